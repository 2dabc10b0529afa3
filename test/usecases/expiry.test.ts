/**
 * The expiry rules, through the use case itself (no HTTP): when an order may expire (validity plus
 * grace), how the unused value splits between the parties, one credit note per party that paid (the
 * buyer's citing its invoice, the State's to the programme's payer citing its call for funds), each
 * with its own balanced journal entry, the State's share released to the envelope, and a second run
 * crediting nothing. Routing, authorisation and the PDF stay in test/api/expiry.test.ts.
 */
import t from 'tap';
import { eq, inArray } from 'drizzle-orm';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { creditNotePasses, creditNotes } from '../../db/schema/credit-notes.ts';
import { journalEntries } from '../../db/schema/ledger.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { cofinancingPrograms, programReleases } from '../../db/schema/programs.ts';
import { expireOrder, graceEndsOn, ordersDueForExpiry, splitExpiredValue } from '../../server/modules/finance/expiry.service.ts';
import { balanceOf, trialBalance } from '../../server/modules/finance/ledger.ts';
import { actorOf, createApprovedOrder, createProgram, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';

const GRACE = 31;

/**
 * An approved order of 3 booklets × 7 passes at 10 € (21 000 cents) valid until 31 December 2027,
 * co-financed at 33,33 % so that the shares are odd (State 6 999, buyer 14 001), or not co-financed.
 */
async function expiringOrder(t: Parameters<typeof createTestDb>[0], { cofinanced = true } = {}) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const program = createProgram(db, { rateBasisPoints: 3333 });
  const order = createApprovedOrder(db, clock, {
    buyer: cast.buyerAdmin,
    operator: cast.operatorAdmin,
    bookletCount: 3,
    passesPerBooklet: 7,
    validUntil: '2027-12-31',
    ...(cofinanced ? { cofinancingProgramId: program.id } : {}),
  });
  const operator = actorOf(db, cast.operatorAdmin);
  const expire = () => expireOrder({ db, clock, actor: operator, orderId: order.id, gracePeriodDays: GRACE });
  const invoiceOf = (party: 'buyer' | 'state') => db.select().from(invoices).where(eq(invoices.orderId, order.id)).all().find((i) => i.party === party);
  const programRow = () => db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!;
  /** Marks `count` of the order's passes used, so that they do not expire. */
  const redeem = (count: number) => {
    const ids = db.select({ id: passes.id }).from(passes).where(eq(passes.orderId, order.id)).limit(count).all().map((p) => p.id);
    db.update(passes).set({ status: 'redeemed' }).where(inArray(passes.id, ids)).run();
  };
  return { db, clock, cast, program, order, expire, invoiceOf, programRow, redeem };
}

t.test('the grace period runs from the end of validity, across month and leap-year ends', async (t) => {
  t.equal(graceEndsOn('2027-12-31', 31), '2028-01-31');
  t.equal(graceEndsOn('2028-01-29', 31), '2028-02-29', '2028 is a leap year');
  t.equal(graceEndsOn('2027-01-29', 31), '2027-03-01');
  t.equal(graceEndsOn('2027-06-30', 0), '2027-06-30', 'no grace: the last day is the end of validity');
});

t.test('the expired value splits in proportion to the State share, rounded down to the State, and always sums to the amount', async (t) => {
  t.same(splitExpiredValue(16_000, { totalCents: 21_000, stateShareCents: 6_999 }), { stateShareCents: 5_332, buyerShareCents: 10_668 });
  t.same(splitExpiredValue(1, { totalCents: 2, stateShareCents: 1 }), { stateShareCents: 0, buyerShareCents: 1 }, 'the odd cent goes to the buyer');
  t.same(splitExpiredValue(500, { totalCents: 0, stateShareCents: 0 }), { stateShareCents: 0, buyerShareCents: 500 }, 'an order of nothing gives nothing to the State');
  for (const [amount, total, state] of [
    [7007, 21021, 10510],
    [999, 2000, 1000],
    [123_456_789, 987_654_321, 493_827_160],
  ] as const) {
    const split = splitExpiredValue(amount, { totalCents: total, stateShareCents: state });
    t.equal(split.stateShareCents + split.buyerShareCents, amount, `${amount} is split whole`);
    t.equal(split.stateShareCents, Math.floor((amount * state) / total));
  }
});

t.test('an order cannot expire before validity plus grace is over, nor before approval', async (t) => {
  const { db, clock, cast, expire } = await expiringOrder(t);
  clock.set('2028-01-31T22:30:00Z'); // 31 January 23:30 in Paris: still the last day of grace
  t.equal(refusalOf(expire), 'order_not_expired_yet');
  try {
    expire();
  } catch (error) {
    t.match(error, { status: 422, extra: { graceEndsOn: '2028-01-31' }, message: /jusqu’au 31 janvier 2028/ });
  }
  t.same(db.select().from(creditNotes).all(), [], 'a refusal writes nothing');
  t.equal(db.select().from(passes).where(eq(passes.status, 'expired')).all().length, 0);

  clock.set('2028-01-31T23:30:00Z'); // 1 February 00:30 in Paris
  t.equal(refusalOf(expire), null, 'the first Paris day after the grace period, it expires');

  const operator = actorOf(db, cast.operatorAdmin);
  t.equal(refusalOf(() => expireOrder({ db, clock, actor: operator, orderId: 'inconnue', gracePeriodDays: GRACE })), 'order_not_found');
});

t.test('a submitted order is not expirable', async (t) => {
  const { db, clock, order } = await expiringOrder(t);
  db.update(orders).set({ status: 'submitted' }).where(eq(orders.id, order.id)).run();
  clock.set('2028-03-01T09:00:00Z');
  t.equal(refusalOf(() => expireOrder({ db, clock, actor: null, orderId: order.id, gracePeriodDays: GRACE })), 'order_not_expirable');
});

t.test('only orders past their grace period with passes left are due', async (t) => {
  const { clock, order, db, expire } = await expiringOrder(t);
  clock.set('2028-01-31T12:00:00Z');
  t.same(ordersDueForExpiry(db, clock, GRACE), [], 'the last day of grace: not yet');
  clock.set('2028-02-01T12:00:00Z');
  t.same(ordersDueForExpiry(db, clock, GRACE), [{ id: order.id, reference: order.reference }]);
  expire();
  t.same(ordersDueForExpiry(db, clock, GRACE), [], 'nothing left to expire once expired');
});

t.test('the unused value comes back on one credit note per party: the buyer’s share citing its invoice, the State’s to the programme', async (t) => {
  const { db, clock, order, program, cast, expire, invoiceOf, programRow, redeem } = await expiringOrder(t);
  t.match(order, { totalCents: 21_000, stateShareCents: 6_999, buyerShareCents: 14_001 });
  redeem(5); // 16 passes left: 16 000 cents → State 5 332, buyer 10 668
  clock.set('2028-02-01T09:00:00Z');
  const outstandingBefore = balanceOf(db, 'passes:outstanding');
  const result = expire();

  t.equal(result.expiredPassCount, 16);
  t.equal(result.creditNotes.length, 2);
  const [toBuyer, toState] = result.creditNotes;
  t.match(toBuyer, { number: 'AV-2028-000001', party: 'buyer', buyerId: cast.buyer.id, passCount: 16, totalCents: 10_668, buyerShareCents: 10_668, stateShareCents: 0, issuedOn: '2028-02-01' });
  t.match(toState, { number: 'AV-2028-000002', party: 'state', programId: program.id, passCount: 16, totalCents: 5_332, buyerShareCents: 0, stateShareCents: 5_332 });
  t.equal(toBuyer!.correctsInvoiceId, invoiceOf('buyer')!.id, 'the buyer’s note cites the buyer’s invoice');
  t.equal(toState!.correctsInvoiceId, invoiceOf('state')!.id, 'the State’s note cites its call for funds');
  t.same(result.creditNote, toBuyer, 'the buyer is told about its own note');

  t.equal(balanceOf(db, 'passes:outstanding') - outstandingBefore, 16_000, 'the expired value leaves the outstanding passes');
  t.equal(balanceOf(db, `buyer:${cast.buyer.id}:credit_note`), -10_668);
  t.equal(balanceOf(db, `program:${program.id}:credit_note`), -5_332);
  const entries = db.select().from(journalEntries).where(eq(journalEntries.kind, 'passes_expired')).all();
  t.same(entries.map((e) => e.refId).sort(), [toBuyer!.id, toState!.id].sort(), 'one journal entry per note');
  t.same([toBuyer!.journalEntryId, toState!.journalEntryId].sort(), entries.map((e) => e.id).sort());
  t.ok(trialBalance(db).balanced);

  t.match(programRow(), { committedCents: 6_999 - 5_332, releasedCents: 5_332 }, 'the State’s share goes back to the envelope');
  t.same(
    db.select().from(programReleases).all().map((r) => ({ orderId: r.orderId, creditNoteId: r.creditNoteId, amountCents: r.amountCents })),
    [{ orderId: order.id, creditNoteId: toState!.id, amountCents: 5_332 }],
    'one release, tied to the State’s note',
  );

  t.equal(db.select().from(passes).where(eq(passes.status, 'expired')).all().length, 16);
  t.equal(db.select().from(passes).where(eq(passes.status, 'redeemed')).all().length, 5, 'used passes are untouched');
  t.equal(db.select().from(creditNotePasses).where(eq(creditNotePasses.creditNoteId, toBuyer!.id)).all().length, 16, 'each expired pass in the buyer’s note');
  t.equal(db.select().from(creditNotePasses).all().length, 16, 'and in no other');
  t.same([...new Set(db.select().from(booklets).where(eq(booklets.orderId, order.id)).all().map((b) => b.status))], ['expired']);
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.status, 'closed');
});

t.test('expiring again credits no party twice and releases the envelope once', async (t) => {
  const { db, clock, expire, programRow } = await expiringOrder(t);
  clock.set('2028-03-01T09:00:00Z');
  const first = expire();
  t.equal(first.creditNotes.length, 2);
  t.same(expire(), { creditNotes: [], creditNote: null, expiredPassCount: 0 });
  t.same(db.select().from(creditNotes).all().map((n) => n.party).sort(), ['buyer', 'state']);
  t.equal(db.select().from(programReleases).all().length, 1);
  t.match(programRow(), { committedCents: 0, releasedCents: 6_999 }, 'no pass used: the whole State share is back');
  t.ok(trialBalance(db).balanced);
});

t.test('an order without a programme gets one credit note, to the buyer, for all the unused value', async (t) => {
  const { db, clock, order, expire, invoiceOf, redeem } = await expiringOrder(t, { cofinanced: false });
  t.match(order, { stateShareCents: 0, programId: null });
  redeem(1);
  clock.set('2028-02-01T09:00:00Z');
  const result = expire();
  t.equal(result.creditNotes.length, 1);
  t.match(result.creditNote, { party: 'buyer', passCount: 20, totalCents: 20_000, buyerShareCents: 20_000, stateShareCents: 0, correctsInvoiceId: invoiceOf('buyer')!.id });
  t.equal(invoiceOf('state'), undefined);
  t.same(db.select().from(programReleases).all(), [], 'nothing to release');
  t.ok(trialBalance(db).balanced);
});
