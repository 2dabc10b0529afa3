import t from 'tap';
import fc from 'fast-check';
import { cofinancingRefusal, computeQuote, type ProgramTerms } from '../../server/modules/order-records/cofinancing.ts';
import { NATIONAL_PROGRAM_TERMS } from '../../db/seed/reference.ts';

const national: ProgramTerms = {
  id: 'p1',
  name: 'Programme national',
  ...NATIONAL_PROGRAM_TERMS,
  startsOn: '2026-01-01',
  endsOn: '2027-12-31',
  status: 'open',
};

t.test('a 10 000 € order of an eligible collectivité gets 5 000 € from the State', async (t) => {
  const q = computeQuote({ quantities: { bookletCount: 100, passesPerBooklet: 10, faceValueCents: 1000 }, feeBasisPoints: 0, program: { terms: national, committedForBuyerCents: 0 } });
  t.equal(q.totalCents, 1_000_000);
  t.equal(q.stateShareCents, 500_000);
  t.equal(q.buyerShareCents, 500_000);
});

t.test('odd totals are split to the cent: State rounded down, buyer pays the rest', async (t) => {
  const quantities = { bookletCount: 3, passesPerBooklet: 7, faceValueCents: 333 }; // 6 993 cents
  const half = computeQuote({ quantities, feeBasisPoints: 0, program: { terms: { ...national, minOrderCents: null }, committedForBuyerCents: 0 } });
  t.equal(half.totalCents, 6993);
  t.equal(half.stateShareCents, 3496);
  t.equal(half.buyerShareCents, 3497);
  const third = computeQuote({ quantities, feeBasisPoints: 0, program: { terms: { ...national, minOrderCents: null, rateBasisPoints: 3333 }, committedForBuyerCents: 0 } });
  t.equal(third.stateShareCents, 2330); // 6993 × 0.3333 = 2330.77 → 2330
  t.equal(third.buyerShareCents, 4663);
});

t.test('the operator fee is a share of the pass value, with 20 % VAT on the fee only', async (t) => {
  const q = computeQuote({ quantities: { bookletCount: 200, passesPerBooklet: 10, faceValueCents: 1000 }, feeBasisPoints: 400, program: { terms: national, committedForBuyerCents: 0 } });
  t.equal(q.totalCents, 2_000_000);
  t.equal(q.feeCents, 80_000);
  t.equal(q.vatCents, 16_000);
  t.equal(q.buyerInvoiceTotalCents, 1_000_000 + 80_000 + 16_000);
});

t.test('a nearly exhausted envelope caps the State share at what remains', async (t) => {
  const q = computeQuote({
    quantities: { bookletCount: 500, passesPerBooklet: 10, faceValueCents: 1000 },
    feeBasisPoints: 0,
    program: { terms: { ...national, committedCents: national.envelopeCents - 100_000 }, committedForBuyerCents: 0 },
  });
  t.equal(q.uncappedStateShareCents, 2_500_000);
  t.equal(q.stateShareCents, 100_000);
  t.equal(q.cappedBy, 'envelope');
  t.equal(q.buyerShareCents, 4_900_000);
});

t.test('the per-buyer cap limits what one buyer can receive over all its orders', async (t) => {
  const q = computeQuote({
    quantities: { bookletCount: 1000, passesPerBooklet: 10, faceValueCents: 1000 },
    feeBasisPoints: 0,
    program: { terms: national, committedForBuyerCents: 149_000_000 },
  });
  t.equal(q.stateShareCents, 1_000_000);
  t.equal(q.cappedBy, 'buyer_cap');
});

t.test('eligibility is refused with the failed condition named', async (t) => {
  t.equal(cofinancingRefusal(national, 'private', '2026-11-25', 5_000_000)?.condition, 'buyer_type');
  t.equal(cofinancingRefusal(national, null, '2026-11-25', 5_000_000)?.condition, 'buyer_type');
  t.equal(cofinancingRefusal(national, 'commune', '2028-01-01', 5_000_000)?.condition, 'dates');
  t.equal(cofinancingRefusal(national, 'commune', '2025-12-31', 5_000_000)?.condition, 'dates');
  t.equal(cofinancingRefusal(national, 'commune', '2026-11-25', 1_999_999)?.condition, 'minimum_order');
  t.equal(cofinancingRefusal({ ...national, status: 'closed' }, 'commune', '2026-11-25', 5_000_000)?.condition, 'program_closed');
  t.equal(cofinancingRefusal(national, 'departement', '2026-11-25', 2_000_000), null);
});

t.test('for any order, buyer share + State share = total and the State never gets more than the rate', async () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 100, max: 10_000 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 0, max: 2_000_000_000 }),
      (bookletCount, passesPerBooklet, faceValueCents, rate, committed) => {
        const terms = { ...national, rateBasisPoints: rate, committedCents: Math.min(committed, national.envelopeCents) };
        const q = computeQuote({ quantities: { bookletCount, passesPerBooklet, faceValueCents }, feeBasisPoints: 400, program: { terms, committedForBuyerCents: 0 } });
        return (
          q.stateShareCents + q.buyerShareCents === q.totalCents &&
          q.stateShareCents >= 0 &&
          q.stateShareCents * 10000 <= q.totalCents * rate &&
          q.stateShareCents <= terms.envelopeCents - terms.committedCents &&
          Number.isSafeInteger(q.buyerInvoiceTotalCents)
        );
      },
    ),
  );
});
