import t from 'tap';
import fc from 'fast-check';
import { formatIban, maskIban, validateBankDetails, validateBic, validateIban } from '../../server/shared/bank.ts';

/** ISO 13616 check digits, computed independently of ibantools to build test IBANs. */
function ibanWithKey(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const key = 98n - (BigInt(rearranged) % 97n);
  return `${country}${String(key).padStart(2, '0')}${bban}`;
}

/** French clé RIB: 97 − ((89 × bank + 15 × branch + 3 × account) mod 97), letters mapped to digits. */
function cleRib(bank: string, branch: string, account: string): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const digits = '12345678912345678923456789';
  const numeric = account.replace(/[A-Z]/g, (c) => digits[letters.indexOf(c)] ?? '');
  const key = 97n - ((89n * BigInt(bank) + 15n * BigInt(branch) + 3n * BigInt(numeric)) % 97n);
  return String(key).padStart(2, '0');
}

const VALID_FR = 'FR7630006000011234567890189';

t.test('helpers agree with the published example IBAN', async (t) => {
  t.equal(cleRib('30006', '00001', '12345678901'), '89');
  t.equal(ibanWithKey('FR', '30006000011234567890189'), VALID_FR);
});

t.test('valid details come back in electronic format with an upper-case BIC', async (t) => {
  t.same(validateBankDetails({ iban: 'fr76 3000 6000 0112 3456 7890 189', bic: 'agrifrpp' }), {
    ok: true,
    iban: VALID_FR,
    bic: 'AGRIFRPP',
  });
  t.same(validateBankDetails({ iban: 'FR76\u00a03000-6000-0112-3456-7890-189', bic: 'BNPAFRPPXXX' }), {
    ok: true,
    iban: VALID_FR,
    bic: 'BNPAFRPPXXX',
  });
  t.ok(validateBankDetails({ iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPPAR' }).ok, 'account number with a letter');
  t.ok(validateBankDetails({ iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' }).ok, 'German IBAN');
  t.ok(validateBankDetails({ iban: 'CH9300762011623852957', bic: 'UBSWCHZH80A' }).ok, 'Switzerland is in SEPA');
  t.ok(validateBankDetails({ iban: 'MC5811222000010123456789030', bic: 'CMCIMCM1XXX' }).ok, 'Monaco is in SEPA');
});

t.test('a typo breaks the IBAN key', async (t) => {
  t.same(validateBankDetails({ iban: 'FR7630006000011234567890188', bic: 'BNPAFRPP' }), {
    ok: false,
    errors: [{ path: 'iban', message: 'IBAN invalide : clé de contrôle incorrecte' }],
  });
});

t.test('a wrong clé RIB is caught even when the IBAN key was recomputed', async (t) => {
  const iban = ibanWithKey('FR', '30006000011234567890188');
  t.same(validateIban(iban), { ok: false, message: 'IBAN invalide : clé RIB incorrecte' });
});

t.test('IBAN format errors', async (t) => {
  t.same(validateIban(''), { ok: false, message: 'IBAN manquant' });
  t.same(validateIban('   '), { ok: false, message: 'IBAN manquant' });
  t.same(validateIban(null), { ok: false, message: 'IBAN manquant' });
  t.same(validateIban('XX7630006000011234567890189'), { ok: false, message: 'IBAN invalide : code pays inconnu' });
  t.same(validateIban('FR763000600001123456789018'), { ok: false, message: 'IBAN invalide : nombre de caractères incorrect pour ce pays' });
  t.same(validateIban('FR763000A000011234567890189'), { ok: false, message: 'IBAN invalide : caractères inattendus pour ce pays' });
  t.same(validateIban('FRAB30006000011234567890189'), {
    ok: false,
    message: 'IBAN invalide : la clé de contrôle doit être composée de deux chiffres',
  });
});

t.test('IBANs outside the SEPA zone are refused', async (t) => {
  const result = validateIban('BR1800360305000010009795493C1');
  t.same(result, { ok: false, message: "IBAN invalide : le pays BR n'appartient pas à la zone SEPA" });
});

t.test('Swiss QR-IBANs cannot receive SEPA transfers', async (t) => {
  t.same(validateIban('CH4431999123000889012'), { ok: false, message: 'IBAN invalide : les QR-IBAN suisses ne sont pas acceptés' });
});

t.test('BIC errors', async (t) => {
  t.same(validateBic(undefined), { ok: false, message: 'BIC manquant' });
  t.same(validateBic('BNPAXXPP'), { ok: false, message: 'BIC invalide : code pays inconnu' });
  for (const bad of ['BNPAFRP', 'BNPAFRPPXX', '12PAFRPP', 'BNPAFR1P', 'BNPAFRPO']) {
    t.same(validateBic(bad), { ok: false, message: 'BIC invalide : 8 ou 11 lettres et chiffres attendus (ex. BNPAFRPP)' }, bad);
  }
  t.same(validateBic('BNPAFRP0'), { ok: false, message: 'BIC invalide : BIC de test' });
});

t.test('both fields are reported at once', async (t) => {
  t.same(validateBankDetails({ iban: 'FR76', bic: '' }), {
    ok: false,
    errors: [
      { path: 'iban', message: 'IBAN invalide : nombre de caractères incorrect pour ce pays' },
      { path: 'bic', message: 'BIC manquant' },
    ],
  });
});

t.test('formatIban groups by four', async (t) => {
  t.equal(formatIban(VALID_FR), 'FR76 3000 6000 0112 3456 7890 189');
  t.equal(formatIban('fr76-3000 6000 0112 3456 7890 189'), 'FR76 3000 6000 0112 3456 7890 189');
  t.equal(formatIban(''), '');
});

t.test('maskIban keeps the country, key and last four characters', async (t) => {
  t.equal(maskIban(VALID_FR), 'FR76 •••• … 0189');
  t.equal(maskIban('FR76 3000 6000 0112 3456 7890 189'), 'FR76 •••• … 0189');
  t.equal(maskIban('FR76'), '••••');
});

t.test('property: any generated French account with correct keys is accepted', async (t) => {
  const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
  fc.assert(
    fc.property(digits(5), digits(5), fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 11, maxLength: 11 }), (bank, branch, account) => {
      const iban = ibanWithKey('FR', bank + branch + account + cleRib(bank, branch, account));
      const result = validateBankDetails({ iban: formatIban(iban).toLowerCase(), bic: 'BNPAFRPP' });
      return result.ok && result.iban === iban && maskIban(iban).endsWith(iban.slice(-4));
    }),
  );
  t.pass('no counterexample found');
});

t.test('property: changing one digit of a valid IBAN is refused', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 4, max: VALID_FR.length - 1 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
      const original = VALID_FR[position] ?? '';
      fc.pre(/\d/.test(original));
      const mutated = VALID_FR.slice(0, position) + String((Number(original) + delta) % 10) + VALID_FR.slice(position + 1);
      return !validateIban(mutated).ok;
    }),
  );
  t.pass('no counterexample found');
});
