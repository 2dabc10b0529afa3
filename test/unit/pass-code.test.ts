import t from 'tap';
import fc from 'fast-check';
import QRCode from 'qrcode';
import {
  PASS_CODE_ALPHABET,
  PASS_CODE_LENGTH,
  computeCheckCharacter,
  createPassCodeFactory,
  formatPassCode,
  isCheckCharacterValid,
  normalizePassCode,
  passUrl,
} from '../../server/modules/booklets/pass-code.ts';

const SECRET_A = 'secret-de-test-version-A-0123456789abcdef';
const SECRET_B = 'secret-de-test-version-B-fedcba9876543210';
const factory = createPassCodeFactory({ secrets: { A: SECRET_A }, currentVersion: 'A' });

/** A sample of real codes, plus the first and last symbols everywhere, for exhaustive mutation checks. */
const sample = Array.from({ length: 60 }, () => factory.generate());

function replaceAt(s: string, i: number, ch: string): string {
  return s.slice(0, i) + ch + s.slice(i + 1);
}

interface BrowserCheck {
  normalizePassCode(input: string): string | null;
  isCheckCharacterValid(input: string): boolean;
  formatPassCode(input: string): string;
  cleanPassCodeInput(input: string): string | null;
  PASS_CODE_LENGTH: number;
}
const browserModulePath = new URL('../../server/public/js/pass-code-check.js', import.meta.url).href;

t.test('a freshly printed pass code is accepted and gives back its serial', async (t) => {
  for (const code of sample.slice(0, 10)) {
    t.equal(code.length, PASS_CODE_LENGTH);
    t.match(code, /^A[0-9A-HJKMNP-TV-Z]{19}$/);
    const res = factory.verify(code);
    t.same(res, { ok: true, code, serial: code.slice(1, 11) });
  }
});

t.test('the printed form is five groups of four characters', async (t) => {
  const code = sample[0]!;
  const printed = formatPassCode(code);
  t.match(printed, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
  t.equal(printed.replaceAll('-', ''), code);
  t.ok(factory.verify(printed).ok);
});

t.test('a place may type the code in lower case, with spaces or dashes, and O, I or L for 0 and 1', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(...sample),
      fc.array(fc.constantFrom('', '', ' ', '-', ' - ', '  ', '\u00a0', '\t'), { minLength: PASS_CODE_LENGTH, maxLength: PASS_CODE_LENGTH }),
      fc.array(fc.boolean(), { minLength: PASS_CODE_LENGTH, maxLength: PASS_CODE_LENGTH }),
      fc.array(fc.constantFrom('o', 'O', '0'), { minLength: PASS_CODE_LENGTH, maxLength: PASS_CODE_LENGTH }),
      fc.array(fc.constantFrom('i', 'I', 'l', 'L', '1'), { minLength: PASS_CODE_LENGTH, maxLength: PASS_CODE_LENGTH }),
      (code, seps, lower, zeros, ones) => {
        let typed = '';
        for (let i = 0; i < code.length; i++) {
          let ch = code[i]!;
          if (ch === '0') ch = zeros[i]!;
          else if (ch === '1') ch = ones[i]!;
          else if (lower[i]) ch = ch.toLowerCase();
          typed += ch + seps[i]!;
        }
        const res = factory.verify(`  ${typed}  `);
        return res.ok && res.code === code && normalizePassCode(typed) === code && isCheckCharacterValid(typed);
      },
    ),
  );
  const withZeroAndOne = createPassCodeFactory({ secrets: { '0': SECRET_A }, currentVersion: '0' });
  const code = withZeroAndOne.generate();
  t.equal(withZeroAndOne.verify(`o${code.slice(1).toLowerCase()}`).ok, true, 'a lower-case o is read as zero');
});

t.test('U, punctuation, and codes too short or too long are refused as malformed', async (t) => {
  const code = sample[1]!;
  t.same(factory.verify(replaceAt(code, 5, 'U')), { ok: false, reason: 'malformed' });
  t.same(factory.verify(replaceAt(code, 5, '*')), { ok: false, reason: 'malformed' });
  t.same(factory.verify(code.slice(0, -1)), { ok: false, reason: 'malformed' });
  t.same(factory.verify(code + '0'), { ok: false, reason: 'malformed' });
  t.same(factory.verify(''), { ok: false, reason: 'malformed' });
  t.same(factory.verify(' '.repeat(500) + code), { ok: false, reason: 'malformed' }, 'absurdly long input is not even read');
  t.equal(normalizePassCode('é'.repeat(20)), null);
  t.throws(() => formatPassCode('ABC'));
});

t.test('every single mistyped character of a code is caught by its check character, before any signature check', async (t) => {
  let mutations = 0;
  for (const code of sample) {
    for (let i = 0; i < code.length; i++) {
      for (const ch of PASS_CODE_ALPHABET) {
        if (ch === code[i]) continue;
        const typo = replaceAt(code, i, ch);
        mutations++;
        if (isCheckCharacterValid(typo)) t.fail(`substitution not caught: ${code} → ${typo}`);
        const res = factory.verify(typo);
        if (res.ok || res.reason !== 'check_character') t.fail(`substitution ${typo} gave ${JSON.stringify(res)}`);
      }
    }
  }
  t.equal(mutations, sample.length * PASS_CODE_LENGTH * 31);
  t.pass(`${mutations} substitutions all caught`);
});

t.test('every swap of two neighbouring different characters is caught by the check character', async (t) => {
  let swaps = 0;
  for (const code of sample) {
    for (let i = 0; i + 1 < code.length; i++) {
      if (code[i] === code[i + 1]) continue;
      const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
      swaps++;
      const res = factory.verify(swapped);
      if (res.ok || res.reason !== 'check_character') t.fail(`swap at ${i} of ${code} gave ${JSON.stringify(res)}`);
    }
  }
  t.ok(swaps > sample.length * 15);
});

/** A code with a valid check character and the given characters at the given positions (check position included). */
function validCodeWith(base: string, fixed: Record<number, string>): string {
  let body = base.slice(0, PASS_CODE_LENGTH - 1);
  for (const [pos, ch] of Object.entries(fixed)) if (Number(pos) < PASS_CODE_LENGTH - 1) body = replaceAt(body, Number(pos), ch);
  const wantedCheck = fixed[PASS_CODE_LENGTH - 1];
  if (wantedCheck === undefined) return body + computeCheckCharacter(body);
  // Changing one free position through the whole alphabet reaches every check character.
  const free = [0, 1, 2].find((p) => fixed[p] === undefined)!;
  for (const ch of PASS_CODE_ALPHABET) {
    const candidate = replaceAt(body, free, ch);
    if (computeCheckCharacter(candidate) === wantedCheck) return candidate + wantedCheck;
  }
  throw new Error('unreachable check character');
}

t.test('the guarantee holds for every position and every pair of symbols, not just the sample', async (t) => {
  // The check is linear over GF(32): whether a change is caught depends only on the positions and
  // symbols involved, never on the other characters. So covering every (position, symbol, symbol)
  // once proves it for every possible code.
  const base = sample[2]!;
  let substitutions = 0;
  let swaps = 0;
  for (let i = 0; i < PASS_CODE_LENGTH; i++) {
    for (const a of PASS_CODE_ALPHABET) {
      for (const b of PASS_CODE_ALPHABET) {
        if (a === b) continue;
        const code = validCodeWith(base, { [i]: a });
        substitutions++;
        if (!isCheckCharacterValid(code) || isCheckCharacterValid(replaceAt(code, i, b))) t.fail(`${a}→${b} at ${i} not caught`);
        if (i + 1 < PASS_CODE_LENGTH) {
          const pair = validCodeWith(base, { [i]: a, [i + 1]: b });
          const swapped = pair.slice(0, i) + b + a + pair.slice(i + 2);
          swaps++;
          if (!isCheckCharacterValid(pair) || isCheckCharacterValid(swapped)) t.fail(`swap ${a}${b} at ${i} not caught`);
        }
      }
    }
  }
  t.equal(substitutions, PASS_CODE_LENGTH * 32 * 31, 'all 19 840 (position, from, to) substitutions caught');
  t.equal(swaps, (PASS_CODE_LENGTH - 1) * 32 * 31, 'all 18 848 adjacent swaps of different symbols caught');

  // Swaps of characters further apart are caught too (all 20 weights are distinct).
  let farSwaps = 0;
  for (const code of sample.slice(0, 10)) {
    for (let i = 0; i < PASS_CODE_LENGTH; i++) {
      for (let j = i + 2; j < PASS_CODE_LENGTH; j++) {
        if (code[i] === code[j]) continue;
        farSwaps++;
        if (isCheckCharacterValid(replaceAt(replaceAt(code, i, code[j]!), j, code[i]!))) t.fail(`swap of ${i} and ${j} in ${code} not caught`);
      }
    }
  }
  t.ok(farSwaps > 1000, `${farSwaps} non-adjacent swaps caught`);
});

t.test('a forged code with a correct check character is refused as bad_signature', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...sample), fc.integer({ min: 1, max: PASS_CODE_LENGTH - 2 }), fc.constantFrom(...PASS_CODE_ALPHABET), (code, i, ch) => {
      fc.pre(code[i] !== ch);
      const body = replaceAt(code, i, ch).slice(0, -1);
      const forged = body + computeCheckCharacter(body);
      const res = factory.verify(forged);
      return isCheckCharacterValid(forged) && !res.ok && res.reason === 'bad_signature';
    }),
  );
  const other = createPassCodeFactory({ secrets: { A: SECRET_B }, currentVersion: 'A' });
  t.same(factory.verify(other.generate()), { ok: false, reason: 'bad_signature' }, 'a code signed with another secret is refused');
});

t.test('after a key rotation, passes already printed still verify and new ones use the new key', async (t) => {
  const before = factory.generate();
  const rotated = createPassCodeFactory({ secrets: { A: SECRET_A, B: SECRET_B }, currentVersion: 'B' });
  const after = rotated.generate();
  t.equal(after[0], 'B');
  t.ok(rotated.verify(before).ok, 'old code still valid');
  t.ok(rotated.verify(after).ok, 'new code valid');
  t.same(factory.verify(after), { ok: false, reason: 'unknown_key_version' }, 'a server without key B does not know the new version');
  const retired = createPassCodeFactory({ secrets: { B: SECRET_B }, currentVersion: 'B' });
  t.same(retired.verify(before), { ok: false, reason: 'unknown_key_version' }, 'once key A is retired its codes are refused');
});

t.test('a misconfigured pass-code key is refused at start-up', async (t) => {
  t.throws(() => createPassCodeFactory({ secrets: { A: 'trop court' }, currentVersion: 'A' }));
  t.throws(() => createPassCodeFactory({ secrets: { U: SECRET_A }, currentVersion: 'U' }));
  t.throws(() => createPassCodeFactory({ secrets: { AB: SECRET_A }, currentVersion: 'AB' }));
  t.throws(() => createPassCodeFactory({ secrets: { A: SECRET_A }, currentVersion: 'B' }));
});

t.test('1 000 000 generated codes are all different', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 1_000_000; i++) seen.add(factory.generate());
  t.equal(seen.size, 1_000_000);
});

t.test('the QR code of a pass URL stays small (version ≤ 4, alphanumeric mode)', async (t) => {
  for (const code of sample.slice(0, 20)) {
    const url = passUrl('https://pass.example.gouv.fr/', formatPassCode(code).toLowerCase());
    t.equal(url, `HTTPS://PASS.EXAMPLE.GOUV.FR/P/${code}`);
    const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
    t.ok(qr.version <= 4, `version ${qr.version}`);
    t.equal(qr.segments.length, 1);
    t.equal(qr.segments[0]!.mode.id, 'Alphanumeric');
  }
  t.throws(() => passUrl('https://pass.example.gouv.fr', 'not-a-code'));
});

t.test('the browser check gives the same answers as the server', async (t) => {
  const browser = (await import(browserModulePath)) as BrowserCheck;
  t.equal(browser.PASS_CODE_LENGTH, PASS_CODE_LENGTH);
  const symbols = [...PASS_CODE_ALPHABET, 'o', 'i', 'l', 'u', 'U', '-', ' ', 'a', 'z'];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.constantFrom(...sample).map((c) => formatPassCode(c).toLowerCase()),
        fc.array(fc.constantFrom(...symbols), { minLength: 18, maxLength: 24 }).map((a) => a.join('')),
        fc.string(),
      ),
      (input) =>
        browser.normalizePassCode(input) === normalizePassCode(input) && browser.isCheckCharacterValid(input) === isCheckCharacterValid(input),
    ),
    { numRuns: 5000 },
  );
  for (const code of sample) t.ok(browser.isCheckCharacterValid(code));
  t.equal(browser.formatPassCode('ab c'), 'ABC');
  t.equal(browser.formatPassCode(sample[0]!.toLowerCase()), formatPassCode(sample[0]!));
  t.equal(browser.cleanPassCodeInput('ab-cu'), null);
});
