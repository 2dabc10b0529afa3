/**
 * Pass codes: short, human-typeable, self-checking and forgery-resistant voucher codes.
 *
 * Pure module: no database, no I/O. Everything a place needs to reject a mistyped or forged code
 * is computed from the code itself and the server's secret.
 *
 * Layout (20 Crockford base32 characters, printed as 5 groups of 4: `VSSS-SSSS-SSST-TTTT-TTTC`):
 *
 * | position | chars | content                                                             |
 * |----------|-------|---------------------------------------------------------------------|
 * | 0        | 1     | key version: which secret signed the code (rotation)                |
 * | 1–10     | 10    | random serial, 50 bits (crypto.randomFillSync, pooled)              |
 * | 11–18    | 8     | tag: HMAC-SHA256(secret, "pass-numerique/pass-code\0" + V + serial), first 40 bits |
 * | 19       | 1     | check character over positions 0–18                                 |
 *
 * Alphabet: Crockford base32 `0123456789ABCDEFGHJKMNPQRSTVWXYZ` (no I, L, O, U). Input is read
 * leniently: any case, spaces and dashes ignored, O read as 0, I and L read as 1; U is invalid.
 *
 * Check character: each character is read as an element of GF(32) (polynomial basis,
 * primitive polynomial x⁵ + x² + 1, α = x). A valid code c₀…c₁₉ satisfies
 *
 *     Σ αⁱ⁹⁻ⁱ · cᵢ = 0   in GF(32)          (the check character c₁₉ has weight α⁰ = 1)
 *
 * The 20 weights α¹⁹…α⁰ are distinct and non-zero (α has order 31). Hence:
 * - a single substituted character (cᵢ → cᵢ + e, e ≠ 0) changes the sum by αᵏ·e ≠ 0: always caught;
 * - swapping two different characters at ANY two positions i, j (adjacent or not) changes the sum
 *   by (αᵏⁱ + αᵏʲ)(cᵢ + cⱼ), a product of two non-zero field elements: always caught;
 * - a "twin" error (aa → bb in adjacent positions) changes it by (αᵏ + αᵏ⁺¹)(a + b) ≠ 0: caught;
 * - any other random error is caught with probability 31/32.
 * This is a one-symbol Reed–Solomon-style parity check; the same algorithm runs in the browser
 * (`server/public/js/pass-code-check.js`) for live feedback while a code is typed.
 *
 * The check character is validated before the HMAC is computed, so typos are reported as such
 * and cost no cryptography. 50 random bits make collisions rare but not impossible at national
 * scale (birthday bound ≈ 4 % over 10 million passes): the database must keep a unique index on
 * the code and the caller must retry on conflict.
 */
import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

export const PASS_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PASS_CODE_VERSION_LENGTH = 1;
export const PASS_CODE_SERIAL_LENGTH = 10;
export const PASS_CODE_TAG_LENGTH = 8;
export const PASS_CODE_LENGTH = PASS_CODE_VERSION_LENGTH + PASS_CODE_SERIAL_LENGTH + PASS_CODE_TAG_LENGTH + 1; // 20
export const PASS_CODE_GROUP_SIZE = 4;

const TAG_START = PASS_CODE_VERSION_LENGTH + PASS_CODE_SERIAL_LENGTH; // 11
const CHECK_POS = PASS_CODE_LENGTH - 1; // 19
const HMAC_CONTEXT = 'pass-numerique/pass-code\0';
const MIN_SECRET_LENGTH = 32;
/** Longest raw input we bother to read (a code with generous spacing); longer is malformed. */
const MAX_INPUT_LENGTH = 100;

/** Value (0–31) of each canonical alphabet character, and of the lenient aliases. */
const VALUE_OF: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  for (let i = 0; i < PASS_CODE_ALPHABET.length; i++) m.set(PASS_CODE_ALPHABET[i]!, i);
  m.set('O', 0);
  m.set('I', 1);
  m.set('L', 1);
  return m;
})();

/** Separators people type or paste: whitespace (incl. no-break spaces) and dash-like characters. */
const SEPARATORS = /[\s\u00a0\u202f\u2007\-\u2010-\u2015\u2212_.]/g;

/** Multiply by α in GF(32) = GF(2)[x]/(x⁵ + x² + 1). */
function mulAlpha(v: number): number {
  const shifted = v << 1;
  return shifted & 0x20 ? shifted ^ 0x25 : shifted;
}

/** Σ αⁿ⁻ⁱ·cᵢ over the n given canonical characters c₀…cₙ₋₁ (Horner), i.e. the expected check value. */
function checkValue(canonicalBody: string): number {
  let acc = 0;
  for (let i = 0; i < canonicalBody.length; i++) {
    const v = PASS_CODE_ALPHABET.indexOf(canonicalBody[i]!);
    if (v < 0) throw new RangeError('caractère hors alphabet');
    acc = mulAlpha(acc ^ v);
  }
  return acc;
}

/** The check character for a canonical code body (all characters but the last). */
export function computeCheckCharacter(canonicalBody: string): string {
  return PASS_CODE_ALPHABET[checkValue(canonicalBody)]!;
}

/**
 * Canonical form (upper case, no separators, O→0, I/L→1) of a complete pass code, or null when
 * the input has a character outside the alphabet or is not exactly PASS_CODE_LENGTH long.
 * Says nothing about the check character or the signature.
 */
export function normalizePassCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  const stripped = input.normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
  if (stripped.length !== PASS_CODE_LENGTH) return null;
  let out = '';
  for (const ch of stripped) {
    const v = VALUE_OF.get(ch);
    if (v === undefined) return null;
    out += PASS_CODE_ALPHABET[v]!;
  }
  return out;
}

/** "VSSS-SSSS-SSST-TTTT-TTTC": groups of 4 with dashes, for print and display. Accepts any lenient input. */
export function formatPassCode(code: string): string {
  const canonical = normalizePassCode(code);
  if (canonical === null) throw new RangeError('code de pass mal formé');
  const groups: string[] = [];
  for (let i = 0; i < canonical.length; i += PASS_CODE_GROUP_SIZE) groups.push(canonical.slice(i, i + PASS_CODE_GROUP_SIZE));
  return groups.join('-');
}

/** True when the input is a well-formed code whose check character matches (no secret needed). */
/**
 * A pass code as pages and statements show it: only its last four characters, enough to find it
 * in a list, not to redeem it (the full code is a bearer voucher).
 */
export function maskPassCode(code: string): string {
  return formatPassCode(code).replace(/[0-9A-Z](?=(?:[^0-9A-Z]*[0-9A-Z]){4})/g, '•');
}

export function isCheckCharacterValid(input: string): boolean {
  const canonical = normalizePassCode(input);
  if (canonical === null) return false;
  return checkValue(canonical.slice(0, CHECK_POS)) === PASS_CODE_ALPHABET.indexOf(canonical[CHECK_POS]!);
}

/**
 * URL encoded in a pass's QR code: `${PUBLIC_URL}/P/${CODE}` entirely in upper case, so the QR
 * uses the compact alphanumeric mode. (The server must answer `/P/` like `/p/`, and any path in
 * PUBLIC_URL case-insensitively.)
 */
export function passUrl(publicUrl: string, code: string): string {
  const canonical = normalizePassCode(code);
  if (canonical === null) throw new RangeError('code de pass mal formé');
  return `${publicUrl.replace(/\/+$/, '')}/P/${canonical}`.toUpperCase();
}

export type PassCodeVerification =
  | { ok: true; code: string; serial: string }
  | { ok: false; reason: 'malformed' | 'check_character' | 'unknown_key_version' | 'bad_signature' };

export interface PassCodeFactory {
  /** A new random code in canonical form (20 characters, no dashes), signed with the current key. */
  generate(): string;
  /** Lenient input → canonical code and serial, or why it was refused. Pure: no database. */
  verify(input: string): PassCodeVerification;
}

export interface PassCodeFactoryOptions {
  /** Key-version character (from the alphabet) → secret. Keep retired versions to verify old codes. */
  secrets: Record<string, string>;
  /** Version character used by generate(). */
  currentVersion: string;
}

function encodeBits(bytes: Buffer, chars: number): string {
  // Big-endian bit string, 5 bits per character.
  let out = '';
  let acc = 0;
  let bits = 0;
  let i = 0;
  while (out.length < chars) {
    if (bits < 5) {
      acc = (acc << 8) | (bytes[i++] ?? 0);
      bits += 8;
    }
    bits -= 5;
    out += PASS_CODE_ALPHABET[(acc >>> bits) & 31]!;
    acc &= (1 << bits) - 1;
  }
  return out;
}

/**
 * Random bytes drawn from the CSPRNG 4 KiB at a time (one call per ~400 codes instead of one per
 * code: issuing 100 000 passes spent a third of code generation in randomBytes). Each byte is used
 * once; the few left at the end of a chunk are dropped.
 */
const RANDOM_POOL_SIZE = 4096;
const randomPool = Buffer.alloc(RANDOM_POOL_SIZE);
let randomPoolOffset = RANDOM_POOL_SIZE;

/** PASS_CODE_SERIAL_LENGTH uniform alphabet characters from the pool. */
function randomSerial(): string {
  if (randomPoolOffset + PASS_CODE_SERIAL_LENGTH > RANDOM_POOL_SIZE) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  let serial = '';
  // 256 is a multiple of 32: the low 5 bits of a random byte are uniform.
  for (let i = 0; i < PASS_CODE_SERIAL_LENGTH; i++) serial += PASS_CODE_ALPHABET[randomPool[randomPoolOffset + i]! & 31]!;
  randomPoolOffset += PASS_CODE_SERIAL_LENGTH;
  return serial;
}

export function createPassCodeFactory(options: PassCodeFactoryOptions): PassCodeFactory {
  const keys = new Map<string, Buffer>();
  for (const [version, secret] of Object.entries(options.secrets)) {
    if (version.length !== 1 || !PASS_CODE_ALPHABET.includes(version)) {
      throw new RangeError(`version de clé « ${version} » : un seul caractère de l'alphabet ${PASS_CODE_ALPHABET} attendu`);
    }
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new RangeError(`secret de la version « ${version} » : au moins ${MIN_SECRET_LENGTH} caractères`);
    }
    keys.set(version, Buffer.from(secret, 'utf8'));
  }
  if (!keys.has(options.currentVersion)) {
    throw new RangeError(`version de clé courante « ${options.currentVersion} » sans secret`);
  }
  const currentVersion = options.currentVersion;

  const tagBytes = Math.ceil((PASS_CODE_TAG_LENGTH * 5) / 8);
  function tag(key: Buffer, versionAndSerial: string): Buffer {
    // 8 characters × 5 bits = 40 bits = the first 5 bytes of the HMAC.
    return createHmac('sha256', key).update(HMAC_CONTEXT).update(versionAndSerial, 'ascii').digest().subarray(0, tagBytes);
  }
  function tagChars(key: Buffer, versionAndSerial: string): string {
    return encodeBits(tag(key, versionAndSerial), PASS_CODE_TAG_LENGTH);
  }

  return {
    generate(): string {
      const serial = randomSerial();
      const head = currentVersion + serial;
      const body = head + tagChars(keys.get(currentVersion)!, head);
      return body + computeCheckCharacter(body);
    },

    verify(input: string): PassCodeVerification {
      const code = normalizePassCode(input);
      if (code === null) return { ok: false, reason: 'malformed' };
      if (checkValue(code.slice(0, CHECK_POS)) !== PASS_CODE_ALPHABET.indexOf(code[CHECK_POS]!)) {
        return { ok: false, reason: 'check_character' };
      }
      const version = code[0]!;
      const key = keys.get(version);
      if (key === undefined) return { ok: false, reason: 'unknown_key_version' };
      const head = code.slice(0, TAG_START);
      // Canonical characters map one-to-one to 5-bit values: comparing them compares the bits.
      const expected = Buffer.from(tagChars(key, head), 'ascii');
      const presented = Buffer.from(code.slice(TAG_START, CHECK_POS), 'ascii');
      if (!timingSafeEqual(expected, presented)) return { ok: false, reason: 'bad_signature' };
      return { ok: true, code, serial: code.slice(PASS_CODE_VERSION_LENGTH, TAG_START) };
    },
  };
}
