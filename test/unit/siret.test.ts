import t from 'tap';
import fc from 'fast-check';
import {
  LA_POSTE_SIREN,
  isValidSiren,
  isValidSiret,
  luhnCheckDigit,
  normalizeSiret,
  vatNumberFromSiren,
} from '../../server/shared/siret.ts';

const digitSum = (s: string): number => [...s].reduce((a, c) => a + Number(c), 0);

/** Any 13 digits completed with their Luhn key, avoiding the La Poste prefix whose rule differs. */
const luhnSiret = fc
  .string({ unit: fc.constantFrom(...'0123456789'), minLength: 13, maxLength: 13 })
  .filter((s) => !s.startsWith(LA_POSTE_SIREN))
  .map((s) => s + luhnCheckDigit(s));

t.test('real SIRENs and SIRETs are accepted', async (t) => {
  t.ok(isValidSiren('542051180'), 'TotalEnergies SE');
  t.ok(isValidSiren('404833048'));
  t.ok(isValidSiren(LA_POSTE_SIREN), 'La Poste SIREN itself is Luhn-valid');
  t.ok(isValidSiret('54205118000066'), 'TotalEnergies SE head office');
  t.ok(isValidSiret('35600000000048'), 'La Poste head office');
});

t.test('computed Luhn SIRETs are accepted, one-off typos refused', async (t) => {
  const siret = `5420511800001${luhnCheckDigit('5420511800001')}`;
  t.equal(siret, '54205118000017');
  t.ok(isValidSiret(siret));
  t.notOk(isValidSiret('54205118000018'));
  t.notOk(isValidSiret('54205118000067'));
  t.notOk(isValidSiren('542051181'));
});

t.test('La Poste establishments are valid when their digit sum is a multiple of 5', async (t) => {
  // 35600000052135 fails Luhn but its digits sum to 30: INSEE's rule for La Poste.
  t.not(luhnCheckDigit('3560000005213'), '5');
  t.equal(digitSum('35600000052135'), 30);
  t.ok(isValidSiret('35600000052135'));
  t.equal(digitSum('35600000052136'), 31);
  t.notOk(isValidSiret('35600000052136'));
  // The exception is for La Poste only: the same NIC under another SIREN stays Luhn-checked.
  t.notOk(isValidSiret('54205118052135'));
});

t.test('format errors are refused', async (t) => {
  for (const bad of ['', '5420511800006', '542051180000660', '5420511800006a', '54205118000 66', '١٢٣٤٥٦٧٨٩', '+54205118000066']) {
    t.notOk(isValidSiret(bad), JSON.stringify(bad));
  }
  for (const bad of ['', '54205118', '5420511800', '54205118a', ' 542051180']) t.notOk(isValidSiren(bad), JSON.stringify(bad));
});

t.test('normalizeSiret strips ordinary and no-break spaces', async (t) => {
  t.equal(normalizeSiret('356 000 000 00048'), '35600000000048');
  t.equal(normalizeSiret('\u00a0542\u202f051 180\t00066 '), '54205118000066');
  t.ok(isValidSiret(normalizeSiret('542 051 180 00066')));
});

t.test('VAT numbers derived from the SIREN', async (t) => {
  t.equal(vatNumberFromSiren('542051180'), 'FR59542051180');
  t.equal(vatNumberFromSiren('404833048'), 'FR83404833048');
  t.equal(vatNumberFromSiren(LA_POSTE_SIREN), 'FR39356000000');
  t.throws(() => vatNumberFromSiren('542051181'), RangeError);
  t.throws(() => vatNumberFromSiren('54205118'), RangeError);
});

t.test('property: the VAT key is two digits and matches the formula', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 8, maxLength: 8 }), (head) => {
      const siren = head + luhnCheckDigit(head);
      const vat = vatNumberFromSiren(siren);
      return /^FR\d{2}\d{9}$/.test(vat) && Number(vat.slice(2, 4)) === (12 + 3 * (Number(siren) % 97)) % 97 && vat.endsWith(siren);
    }),
  );
  t.pass('no counterexample found');
});

t.test('property: Luhn-completed SIRETs are valid and so is their SIREN', async (t) => {
  fc.assert(fc.property(luhnSiret, (siret) => isValidSiret(siret)));
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 8, maxLength: 8 }), (head) => isValidSiren(head + luhnCheckDigit(head))),
  );
  t.pass('no counterexample found');
});

t.test('property: any single-digit change of a valid Luhn SIRET is refused', async (t) => {
  fc.assert(
    fc.property(luhnSiret, fc.nat(13), fc.integer({ min: 1, max: 9 }), (siret, position, delta) => {
      const changed = (Number(siret[position]) + delta) % 10;
      const mutated = siret.slice(0, position) + String(changed) + siret.slice(position + 1);
      // A typo that lands on the La Poste prefix falls under La Poste's own rule, not Luhn.
      fc.pre(!mutated.startsWith(LA_POSTE_SIREN));
      return !isValidSiret(mutated);
    }),
    { numRuns: 2000 },
  );
  t.pass('no counterexample found');
});

t.test('property: any single-digit change of a valid SIREN is refused', async (t) => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 8, maxLength: 8 }),
      fc.nat(8),
      fc.integer({ min: 1, max: 9 }),
      (head, position, delta) => {
        const siren = head + luhnCheckDigit(head);
        const mutated = siren.slice(0, position) + String((Number(siren[position]) + delta) % 10) + siren.slice(position + 1);
        return !isValidSiren(mutated);
      },
    ),
  );
  t.pass('no counterexample found');
});

t.test('property: La Poste SIRETs follow the digit-sum rule', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 5, maxLength: 5 }), (nic) => {
      const siret = LA_POSTE_SIREN + nic;
      const luhnOk = luhnCheckDigit(siret.slice(0, 13)) === siret[13];
      return isValidSiret(siret) === (luhnOk || digitSum(siret) % 5 === 0);
    }),
  );
  t.pass('no counterexample found');
});
