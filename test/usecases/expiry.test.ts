/**
 * The expiry rules, through the use case itself (no HTTP): nothing expires before the end of
 * validity plus the grace period (in Paris days); then every unredeemed pass expires, once, into one
 * credit note whose buyer and State amounts are exactly the lines of its journal entry. Routing,
 * authorisation and the credit-note PDF stay in test/api/expiry.test.ts.
 */
import t from 'tap';
import { eq, inArray } from 'drizzle-orm';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { creditNotePasses, creditNotes } from '../../db/schema/credit-notes.ts';
import { journalEntries, journalLines, ledgerAccounts } from '../../db/schema/ledger.ts';
import { orders } from '../../db/schema/orders.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { expireOrder, graceEndsOn, ordersDueForExpiry, splitExpiredValue } from '../../server/modules/finance/expiry.service.ts';
import { balanceOf, trialBalance, verifyChain } from '../../server/modules/finance/ledger.ts';
import { approveOrder, submitOrder } from '../../server/modules/orders/orders.service.ts';
import { testConfig } from '../helpers/app.ts';
import { actorOf, createProgram, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';

const GRACE = 31;

/** An approved order of 3 booklets × 7 passes at 3,33 € (6 993 cents), 50 % co-financed unless told otherwise: odd amounts on purpose. */
async function world(t: Parameters<typeof createTestDb>[0], options: { cofinanced?: boolean; approve?: boolean } = {}) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const program = createProgram(db);
  const submitted = submitOrder({
    db,
    clock,
    actor: actorOf(db, cast.buyerAdmin),
    feeBasisPoints: 0,
    input: {
      bookletCount: 3,
      passesPerBooklet: 7,
      faceValueCents: 333,
      validFrom: '2027-01-01',
      validUntil: '2027-12-31',
      publics: null,
      territory: null,
      ...(options.cofinanced === false ? {} : { cofinancingProgramId: program.id }),
    },
  });
  if (options.approve !== false) approveOrder({ db, clock, actor: actorOf(db, cast.operatorAdmin), orderId: submitted.id, codes: passCodeFactoryFor(testConfig()) });
  const order = db.select().from(orders).where(eq(orders.id, submitted.id)).get()!;
  const expire = () => expireOrder({ db, clock, actor: null, orderId: order.id, gracePeriodDays: GRACE });
  const passIds = () => db.select({ id: passes.id }).from(passes).where(eq(passes.orderId, order.id)).orderBy(passes.id).all().map((p) => p.id);
  return { db, clock, cast, program, order, expire, passIds };
}

t.test('the grace period ends on validUntil plus its days, across month and year ends', async (t) => {
  t.equal(graceEndsOn('2027-12-31', 31), '2028-01-31');
  t.equal(graceEndsOn('2028-01-31', 29), '2028-02-29', 'a leap year');
  t.equal(graceEndsOn('2027-06-30', 0), '2027-06-30');
});

t.test('passes cannot expire before the end of validity plus the grace period, in Paris days', async (t) => {
  const { db, clock, expire } = await world(t);
  clock.set('2028-01-31T22:59:00Z'); // 23:59 in Paris on 31 January: still the last accepted day
  let refusal: unknown;
  try {
    expire();
  } catch (error) {
    refusal = error;
  }
  t.match(refusal, { code: 'order_not_expired_yet', extra: { graceEndsOn: '2028-01-31' } });
  t.same(ordersDueForExpiry(db, clock, GRACE), [], 'not due yet');
  t.equal(db.select().from(passes).where(eq(passes.status, 'expired')).all().length, 0);
  clock.set('2028-01-31T23:00:00Z'); // midnight in Paris: 1 February
  t.equal(expire().expiredPassCount, 21);
});

t.test('after the grace period, unredeemed passes expire into one credit note whose split is the journal’s', async (t) => {
  const { db, clock, cast, program, order, expire, passIds } = await world(t);
  t.equal(order.stateShareCents, 3496);
  const ids = passIds();
  db.update(passes).set({ status: 'redeemed' }).where(inArray(passes.id, ids.slice(0, 13))).run();
  db.update(passes).set({ status: 'blocked' }).where(eq(passes.id, ids[13]!)).run(); // a lost booklet's pass expires too
  clock.set('2028-02-01T09:00:00Z');
  t.same(ordersDueForExpiry(db, clock, GRACE).map((o) => o.id), [order.id]);
  const outstandingBefore = balanceOf(db, 'passes:outstanding');

  const { creditNote, expiredPassCount } = expire();
  t.equal(expiredPassCount, 8);
  t.match(creditNote, { number: 'AV-2028-000001', passCount: 8, totalCents: 2664, stateShareCents: 1331, buyerShareCents: 1333, issuedOn: '2028-02-01' });
  t.equal(creditNote!.stateShareCents, Math.floor((2664 * 3496) / 6993), 'the State gets its proportion, rounded down');

  const lines = db
    .select({ account: ledgerAccounts.code, debit: journalLines.debitCents, credit: journalLines.creditCents })
    .from(journalLines)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, journalLines.accountId))
    .where(eq(journalLines.entryId, creditNote!.journalEntryId))
    .all()
    .sort((a, b) => a.account.localeCompare(b.account));
  t.same(lines, [
    { account: `buyer:${cast.buyer.id}:credit_note`, debit: 0, credit: creditNote!.buyerShareCents },
    { account: 'passes:outstanding', debit: creditNote!.totalCents, credit: 0 },
    { account: `program:${program.id}:credit_note`, debit: 0, credit: creditNote!.stateShareCents },
  ]);
  t.equal(balanceOf(db, 'passes:outstanding') - outstandingBefore, 2664);
  t.equal(balanceOf(db, `buyer:${cast.buyer.id}:credit_note`), -creditNote!.buyerShareCents);
  t.equal(balanceOf(db, `program:${program.id}:credit_note`), -creditNote!.stateShareCents);
  t.equal(db.select().from(journalEntries).where(eq(journalEntries.id, creditNote!.journalEntryId)).get()!.kind, 'passes_expired');
  t.ok(trialBalance(db).balanced);
  t.match(verifyChain(db), { ok: true, entries: 2 });

  t.equal(db.select().from(passes).where(eq(passes.status, 'redeemed')).all().length, 13, 'redeemed passes are untouched');
  t.equal(db.select().from(creditNotePasses).where(eq(creditNotePasses.creditNoteId, creditNote!.id)).all().length, 8);
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.status, 'closed');
  t.same([...new Set(db.select({ s: booklets.status }).from(booklets).where(eq(booklets.orderId, order.id)).all().map((b) => b.s))], ['expired']);
});

t.test('expiring twice raises one credit note only, and the order is then no longer due', async (t) => {
  const { db, clock, expire } = await world(t);
  clock.set('2028-03-01T09:00:00Z');
  t.equal(expire().expiredPassCount, 21);
  t.same(expire(), { creditNote: null, expiredPassCount: 0 });
  t.equal(db.select().from(creditNotes).all().length, 1);
  t.equal(db.select().from(creditNotePasses).all().length, 21);
  t.same(ordersDueForExpiry(db, clock, GRACE), []);
});

t.test('without co-financing the whole expired value is credited to the buyer, on two lines', async (t) => {
  const { db, clock, cast, expire } = await world(t, { cofinanced: false });
  clock.set('2028-03-01T09:00:00Z');
  const { creditNote } = expire();
  t.match(creditNote, { totalCents: 6993, buyerShareCents: 6993, stateShareCents: 0, programId: null });
  t.equal(db.select().from(journalLines).where(eq(journalLines.entryId, creditNote!.journalEntryId)).all().length, 2);
  t.equal(balanceOf(db, `buyer:${cast.buyer.id}:credit_note`), -6993);
});

t.test('an order never approved does not expire', async (t) => {
  const { clock, expire } = await world(t, { approve: false });
  clock.set('2028-03-01T09:00:00Z');
  t.equal(refusalOf(expire), 'order_not_expirable');
});

t.test('the expired value is split in proportion to the order shares, remainder to the buyer', async (t) => {
  t.same(splitExpiredValue(2331, { totalCents: 6993, stateShareCents: 3496 }), { stateShareCents: 1165, buyerShareCents: 1166 });
  t.same(splitExpiredValue(1000, { totalCents: 1000, stateShareCents: 0 }), { stateShareCents: 0, buyerShareCents: 1000 });
  t.same(splitExpiredValue(999, { totalCents: 2000, stateShareCents: 1000 }), { stateShareCents: 499, buyerShareCents: 500 });
  t.same(splitExpiredValue(0, { totalCents: 0, stateShareCents: 0 }), { stateShareCents: 0, buyerShareCents: 0 });
});
