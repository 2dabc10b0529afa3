/**
 * The journal's rules as the use cases meet them (no HTTP): what an approval, a redemption and its
 * cancellation post, balanced and chained; an unbalanced entry refused with nothing left behind;
 * reversal once and never of a reversal; verifyChain and verifyBalances finding a row edited behind
 * the triggers' back; the trial balance. The posting rules on bare entries are in test/unit/ledger.test.ts.
 */
import t from 'tap';
import { eq } from 'drizzle-orm';
import { journalEntries, journalLines } from '../../db/schema/ledger.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { balanceOf, entriesOf, postEntry, reverseEntry, trialBalance, verifyBalances, verifyChain } from '../../server/modules/finance/ledger.ts';
import { cancelRedemption, redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { testConfig } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';
import { twoLineEntry } from '../helpers/journal-entries.ts';

const codes = passCodeFactoryFor(testConfig());

/** An approved, funded order of 2 booklets × 3 passes at 10 € (60 €), one booklet handed out, and a place in Toulouse. */
async function world(t: Parameters<typeof createTestDb>[0]) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const place = await createPlace(db, { sites: [{ communeCode: '31555' }] });
  const order = createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, bookletCount: 2, passesPerBooklet: 3, funded: true });
  const [first] = await bookletsOf(db, order.id);
  const passCodes = await handOutBooklet(db, first!.id);
  const agent = actorOf(db, place.agent);
  const redeem = (code: string) => redeemPass({ db, clock, codes, gracePeriodDays: 31, actor: agent, code });
  const entryCount = () => db.select().from(journalEntries).all().length;
  return { db, clock, cast, place, order, passCodes, agent, redeem, entryCount };
}

t.test('an approval, a redemption and its cancellation each post one balanced entry, chained in order', async (t) => {
  const { db, clock, cast, place, order, passCodes, agent, redeem } = await world(t);
  const payable = `place:${place.organisation.id}:payable`;
  t.equal(balanceOf(db, `buyer:${cast.buyer.id}:receivable`), 6000);
  t.equal(balanceOf(db, 'passes:outstanding'), -6000);

  const redemption = redeem(passCodes[0]!);
  t.equal(balanceOf(db, 'passes:outstanding'), -5000, 'a redeemed pass leaves circulation');
  t.equal(balanceOf(db, payable), -1000, 'and is owed to the place');

  cancelRedemption({ db, clock, actor: agent, redemptionId: redemption.id });
  t.equal(balanceOf(db, 'passes:outstanding'), -6000);
  t.equal(balanceOf(db, payable), 0);
  const ofRedemption = entriesOf(db, 'redemption', redemption.id);
  t.same(ofRedemption.map((e) => e.kind), ['redemption', 'redemption_cancelled']);
  t.equal(ofRedemption[1]!.reversesEntryId, ofRedemption[0]!.id, 'the cancellation is the reversal of the redemption entry');

  t.same(db.select({ seq: journalEntries.seq, kind: journalEntries.kind }).from(journalEntries).orderBy(journalEntries.seq).all(), [
    { seq: 1, kind: 'order_approved' },
    { seq: 2, kind: 'redemption' },
    { seq: 3, kind: 'redemption_cancelled' },
  ]);
  t.match(verifyChain(db), { ok: true, entries: 3, lastSeq: 3 });
  t.same(trialBalance(db), { debitCents: 6000 + 1000 + 1000, creditCents: 6000 + 1000 + 1000, balanced: true });
  t.equal(verifyBalances(db).ok, true);
  t.equal(entriesOf(db, 'order', order.id).length, 1);
});

t.test('an unbalanced entry is refused and its transaction leaves nothing behind', async (t) => {
  const { db, clock, entryCount } = await world(t);
  const before = entryCount();
  const unbalanced = () =>
    db.transaction(
      (tx) =>
        postEntry(tx, clock, twoLineEntry({ kind: 'manual_adjustment', refType: 'test', refId: 'x1', label: 'Écriture déséquilibrée', debit: 'bank', credit: 'fees:revenue', cents: 1000, creditCents: 999 })),
      { behavior: 'immediate' },
    );
  let message = '';
  try {
    unbalanced();
  } catch (error) {
    message = (error as Error).message;
  }
  t.equal(message, 'Écriture comptable refusée : débits (1000 centimes) et crédits (999 centimes) diffèrent.');
  t.equal(refusalOf(unbalanced), 'ledger_unbalanced');
  t.equal(entryCount(), before);
  t.equal(balanceOf(db, 'bank'), 0, 'no account total moved');
  t.throws(
    () => postEntry(db, clock, twoLineEntry({ kind: 'manual_adjustment', refType: 'test', refId: 'x2', label: 'Hors transaction', debit: 'bank', credit: 'fees:revenue', cents: 1 })),
    /inside the caller’s transaction/,
    'an entry never lands outside a transaction',
  );
});

t.test('an entry that would overdraw a receivable is refused; the bank may go negative', async (t) => {
  const { db, clock, cast, entryCount } = await world(t);
  const post = (account: string, cents: number, key: string) =>
    refusalOf(() =>
      db.transaction(
        (tx) => postEntry(tx, clock, { kind: 'payment', refType: 'test', refId: key, label: 'Paiement', idempotencyKey: key, lines: [{ account: 'bank', debitCents: cents }, { account, creditCents: cents }] }),
        { behavior: 'immediate' },
      ),
    );
  t.equal(post(`buyer:${cast.buyer.id}:receivable`, 6001, 'p1'), 'ledger_negative_balance', 'one cent more than owed');
  t.equal(post(`buyer:${cast.buyer.id}:receivable`, 6000, 'p2'), null, 'exactly what is owed');
  t.equal(balanceOf(db, `buyer:${cast.buyer.id}:receivable`), 0);
  const payOut = refusalOf(() =>
    db.transaction(
      (tx) => postEntry(tx, clock, twoLineEntry({ kind: 'payout', refType: 'test', refId: 'o1', label: 'Virement', idempotencyKey: 'o1', debit: 'passes:outstanding', credit: 'bank', cents: 500 })),
      { behavior: 'immediate' },
    ),
  );
  t.equal(payOut, null);
  t.equal(balanceOf(db, 'bank'), 5500);
  t.equal(entryCount(), 3);
});

t.test('a real entry is reversed once, by its mirror image; a reversal is never reversed', async (t) => {
  const { db, clock, order } = await world(t);
  const [approval] = entriesOf(db, 'order', order.id);
  const reverse = (entryId: string, key: string) =>
    db.transaction((tx) => reverseEntry(tx, clock, { entryId, kind: 'order_cancelled', idempotencyKey: key, label: 'Contrepassation' }), { behavior: 'immediate' });
  const reversal = reverse(approval!.id, 'rev:1');
  const lines = (entryId: string) =>
    db.select({ d: journalLines.debitCents, c: journalLines.creditCents }).from(journalLines).where(eq(journalLines.entryId, entryId)).all().map((l) => [l.d, l.c]).sort();
  t.same(lines(reversal.entryId), lines(approval!.id).map(([d, c]) => [c, d]).sort(), 'debits and credits swapped');
  t.equal(balanceOf(db, 'passes:outstanding'), 0);
  t.equal(refusalOf(() => reverse(approval!.id, 'rev:2')), 'entry_already_reversed');
  t.equal(refusalOf(() => reverse(reversal.entryId, 'rev:3')), 'ledger_reversal_of_reversal');
  t.same(reverse(approval!.id, 'rev:1'), { ...reversal, alreadyPosted: true }, 'the same key replays the first reversal');
  t.match(verifyChain(db), { ok: true, entries: 2 });
});

t.test('verifyChain finds an amount edited behind the triggers’ back, at its entry; verifyBalances finds the drift', async (t) => {
  const { db, passCodes, redeem } = await world(t);
  redeem(passCodes[0]!);
  redeem(passCodes[1]!);
  t.match(verifyChain(db), { ok: true, entries: 3 });
  const second = db.select().from(journalEntries).where(eq(journalEntries.seq, 2)).get()!;
  db.$client.exec('DROP TRIGGER journal_lines_no_update');
  db.$client.prepare('UPDATE journal_lines SET debit_cents = debit_cents + 100 WHERE entry_id = ? AND debit_cents > 0').run(second.id);
  t.match(verifyChain(db), { ok: false, brokenAtSeq: 2, reason: 'hash_mismatch' });
  const balances = verifyBalances(db);
  t.equal(balances.ok, false, 'the running totals no longer equal the lines');
  t.equal(trialBalance(db).balanced, false);
  t.equal(trialBalance(db).debitCents - trialBalance(db).creditCents, 100);
});

t.test('verifyChain finds a label rewritten on an entry', async (t) => {
  const { db } = await world(t);
  db.$client.exec("DROP TRIGGER journal_entries_no_update; UPDATE journal_entries SET label = 'Autre chose' WHERE seq = 1");
  t.match(verifyChain(db), { ok: false, brokenAtSeq: 1, reason: 'hash_mismatch' });
  t.equal(verifyBalances(db).ok, true, 'a label changes no total');
});
