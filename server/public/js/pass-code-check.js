// Live check of a typed pass code, in the browser, without the server and without any secret.
// Same algorithm as server/modules/booklets/pass-code.ts (keep them in step; a unit test compares them).
// Crockford base32, 20 characters; the last one is a GF(32) check character that catches every
// single mistyped character and every swap of two different characters.

export const PASS_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PASS_CODE_LENGTH = 20;

const SEPARATORS = /[\s\u00a0\u202f\u2007\-\u2010-\u2015\u2212_.]/g;
const ALIASES = { O: '0', I: '1', L: '1' };

/** Input as typed → canonical characters so far (any length), or null if a character is not allowed (e.g. U). */
export function cleanPassCodeInput(input) {
  const stripped = String(input).normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
  let out = '';
  for (const ch of stripped) {
    const c = ALIASES[ch] || ch;
    if (PASS_CODE_ALPHABET.indexOf(c) < 0) return null;
    out += c;
  }
  return out;
}

/** Canonical complete code, or null. */
export function normalizePassCode(input) {
  if (typeof input !== 'string' || input.length > 100) return null;
  const code = cleanPassCodeInput(input);
  return code !== null && code.length === PASS_CODE_LENGTH ? code : null;
}

/** True when the code is complete and its last character matches the check over the others. */
export function isCheckCharacterValid(input) {
  const code = normalizePassCode(input);
  if (code === null) return false;
  let acc = 0;
  for (let i = 0; i < PASS_CODE_LENGTH - 1; i++) {
    acc ^= PASS_CODE_ALPHABET.indexOf(code[i]);
    acc <<= 1; // multiply by α in GF(32) = GF(2)[x]/(x⁵ + x² + 1)
    if (acc & 0x20) acc ^= 0x25;
  }
  return PASS_CODE_ALPHABET[acc] === code[PASS_CODE_LENGTH - 1];
}

/** Canonical characters typed so far, in groups of 4 with dashes ("ABCD-EFGH-J"), for an input mask. */
export function formatPassCode(input) {
  const code = cleanPassCodeInput(input);
  if (code === null) return String(input);
  return (code.match(/.{1,4}/g) || []).join('-');
}
