import t from 'tap';
import fc from 'fast-check';
import { applyBasisPoints, centsToDecimalComma, splitProportionally } from '../../server/shared/money.ts';

t.test('a 50 % State share of 10 000 € is exactly 5 000 €', async (t) => {
  t.equal(applyBasisPoints(1_000_000, 5000), 500_000);
});

t.test('a State share is rounded down to the cent', async (t) => {
  t.equal(applyBasisPoints(333, 5000), 166);
  t.equal(applyBasisPoints(1, 3333), 0);
});

t.test('split parts always sum to the total and the remainder goes to the named party', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), (total, a, b) => {
      const parts = splitProportionally(total, [a, b], 0);
      return parts[0]! + parts[1]! === total && parts[1]! === Number((BigInt(total) * BigInt(b)) / BigInt(a + b));
    }),
  );
  t.same(splitProportionally(1001, [1, 1], 0), [501, 500]);
});

t.test('decimal comma formatting for spreadsheets and FEC', async (t) => {
  t.equal(centsToDecimalComma(123456), '1234,56');
  t.equal(centsToDecimalComma(5), '0,05');
  t.equal(centsToDecimalComma(-1050), '-10,50');
});
