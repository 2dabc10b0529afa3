import t, { type Test } from 'tap';
import { eq, inArray } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createProgram, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { programOrder, untargetedOrder } from '../helpers/orders.ts';
import { passes } from '../../db/schema/booklets.ts';
import { creditNotePasses, creditNotes } from '../../db/schema/credit-notes.ts';
import { journalEntries } from '../../db/schema/ledger.ts';
import { programReleases } from '../../db/schema/programs.ts';
import { reconciliationReport as reconcile } from '../../server/modules/finance/reconciliation.ts';
import { orders } from '../../db/schema/orders.ts';
import { balanceOf, trialBalance } from '../../server/modules/finance/ledger.ts';
import { splitExpiredValue } from '../../server/modules/finance/expiry.service.ts';

const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

/** An approved order of 3 booklets × 7 passes at 10,01 € (21 021 cents), 50 % co-financed: odd amounts on purpose. */
async function approvedOddOrder(t: Test) {
  const ctx = await programOrder(t, { ...untargetedOrder, bookletCount: 3, passesPerBooklet: 7, faceValueCents: 1001 });
  t.equal((await post(ctx.operator, `/api/v1/orders/${ctx.order.id}/approve`)).statusCode, 200);
  return ctx;
}

t.test('passes cannot expire before the end of validity plus the grace period', async (t) => {
  const { app, world, order, clock } = await approvedOddOrder(t);
  clock.set('2028-01-31T12:00:00Z'); // 31 Dec + 31 days = 31 Jan: still accepted that day
  const operator = await loginAs(app, world.operatorAdmin);
  const res = await post(operator, `/api/v1/orders/${order.id}/expire`);
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'order_not_expired_yet', graceEndsOn: '2028-01-31' });
});

t.test('after the grace period, unredeemed passes expire into one credit note per invoiced party, split like the ledger', async (t) => {
  const { app, order, clock, db, world, program } = await approvedOddOrder(t);
  // 14 of the 21 passes were used; 7 remain (7 × 1 001 = 7 007 cents).
  const used = db.select({ id: passes.id }).from(passes).where(eq(passes.orderId, order.id)).limit(14).all().map((p) => p.id);
  db.update(passes).set({ status: 'redeemed' }).where(inArray(passes.id, used)).run();
  clock.set('2028-02-01T09:00:00Z');
  const operator = await loginAs(app, world.operatorAdmin);
  const outstandingBefore = balanceOf(db, 'passes:outstanding');
  const invoices = (await operator.inject({ method: 'GET', url: `/api/v1/invoices?orderId=${order.id}` })).json().items as { id: string; party: string }[];
  const res = await post(operator, `/api/v1/orders/${order.id}/expire`);
  t.equal(res.statusCode, 200);
  const [toBuyer, toState] = res.json().creditNotes;
  const stateShare = Math.floor((7007 * order.stateShareCents) / order.totalCents);
  t.match(toBuyer, { number: 'AV-2028-000001', party: 'buyer', passCount: 7, totalCents: 7007 - stateShare, buyerShareCents: 7007 - stateShare, stateShareCents: 0 });
  t.match(toState, { number: 'AV-2028-000002', party: 'state', passCount: 7, totalCents: stateShare, buyerShareCents: 0, stateShareCents: stateShare });
  t.equal(toBuyer.correctsInvoiceId, invoices.find((i) => i.party === 'buyer')!.id, 'the buyer’s note cites the buyer’s invoice');
  t.equal(toState.correctsInvoiceId, invoices.find((i) => i.party === 'state')!.id, 'the State’s note cites its call for funds');
  t.same(res.json().creditNote, toBuyer, 'the buyer’s note is the one the buyer is told about');
  t.equal(balanceOf(db, 'passes:outstanding') - outstandingBefore, 7007);
  t.equal(balanceOf(db, `buyer:${world.buyer.id}:credit_note`), -toBuyer.totalCents, 'the ledger credits the buyer its note');
  t.equal(balanceOf(db, `program:${program.id}:credit_note`), -toState.totalCents, 'and the State its own');
  const entries = db.select().from(journalEntries).where(eq(journalEntries.kind, 'passes_expired')).all();
  t.same(entries.map((e) => e.refId).sort(), [toBuyer.id, toState.id].sort(), 'one journal entry per credit note');
  t.ok(trialBalance(db).balanced);
  t.equal(db.select().from(passes).where(eq(passes.status, 'expired')).all().length, 7);
  t.equal(db.select().from(passes).where(eq(passes.status, 'redeemed')).all().length, 14, 'redeemed passes are untouched');
  t.equal(db.select().from(creditNotePasses).where(eq(creditNotePasses.creditNoteId, toBuyer.id)).all().length, 7, 'each expired pass is in exactly one note');
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.status, 'closed');
  t.equal(reconcile(db, { orderId: order.id }).checks.filter((c) => !c.balanced).length, 0, 'every finance invariant holds for the order');
});

t.test('expiring twice, or twice at the same time, credits each party once only', async (t) => {
  const { app, world, order, clock, db } = await approvedOddOrder(t);
  clock.set('2028-03-01T09:00:00Z');
  const operator = await loginAs(app, world.operatorAdmin);
  const [a, b] = await Promise.all([post(operator, `/api/v1/orders/${order.id}/expire`), post(operator, `/api/v1/orders/${order.id}/expire`)]);
  t.same([a.statusCode, b.statusCode], [200, 200]);
  t.equal([a.json().creditNote, b.json().creditNote].filter(Boolean).length, 1);
  const again = await post(operator, `/api/v1/orders/${order.id}/expire`);
  t.same(again.json(), { expiredPassCount: 0, creditNote: null, creditNotes: [] });
  t.same(db.select().from(creditNotes).all().map((n) => n.party).sort(), ['buyer', 'state']);
  t.equal(db.select().from(creditNotePasses).all().length, 21);
  t.equal(db.select().from(programReleases).all().length, 1, 'the envelope is released once');
});

t.test('credit notes: the buyer lists and downloads its own, not the State’s, and another buyer none', async (t) => {
  const { app, order, clock, world } = await approvedOddOrder(t);
  clock.set('2028-03-01T09:00:00Z');
  const operator = await loginAs(app, world.operatorAdmin);
  const buyer = await loginAs(app, world.buyerAdmin);
  const { creditNotes: [note, stateNote] } = (await post(operator, `/api/v1/orders/${order.id}/expire`)).json();
  const mine = (await buyer.inject({ method: 'GET', url: '/api/v1/credit-notes' })).json();
  t.same(mine.items.map((n: { id: string }) => n.id), [note.id], 'the State’s note is between the operator and the State');
  const pdf = await buyer.inject({ method: 'GET', url: `/api/v1/credit-notes/${note.id}.pdf` });
  t.equal(pdf.statusCode, 200);
  t.equal(pdf.headers['content-type'], 'application/pdf');
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/credit-notes/${stateNote.id}.pdf` })).statusCode, 404);
  t.equal((await operator.inject({ method: 'GET', url: `/api/v1/credit-notes/${stateNote.id}.pdf` })).statusCode, 200);
  const other = await loginAs(app, world.otherBuyerAdmin);
  t.equal((await other.inject({ method: 'GET', url: '/api/v1/credit-notes' })).json().items.length, 0);
  t.equal((await other.inject({ method: 'GET', url: `/api/v1/credit-notes/${note.id}.pdf` })).statusCode, 404);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/expire`)).statusCode, 403, 'buyers do not run expiry');
});

t.test('the State’s credit note releases its share to the envelope, which then funds another buyer’s order', async (t) => {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  // 50 % of 3 × 7 × 10 € = 105 € of State share: the envelope holds exactly one such order.
  const program = createProgram(ctx.db, { envelopeCents: 10_500, endsOn: '2028-12-31' });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const other = await loginAs(ctx.app, world.otherBuyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const small = { ...untargetedOrder, bookletCount: 3, passesPerBooklet: 7, cofinancingProgramId: program.id };
  const first = (await post(buyer, '/api/v1/orders', small)).json();
  const waiting = (await post(other, '/api/v1/orders', { ...small, validUntil: '2028-12-31' })).json();
  t.equal(waiting.stateShareCents, 10_500, 'both orders were quoted while the envelope was free');
  t.equal((await post(operator, `/api/v1/orders/${first.id}/approve`)).statusCode, 200);
  t.match((await operator.inject({ method: 'GET', url: `/api/v1/cofinancing-programs/${program.id}` })).json(), { committedCents: 10_500, releasedCents: 0, remainingCents: 0 });
  const full = await post(operator, `/api/v1/orders/${waiting.id}/approve`);
  t.equal(full.statusCode, 422, 'the envelope is fully committed: the other buyer’s order is refused');
  t.equal(full.json().code, 'cofinancing_envelope_exhausted');
  const meanwhile = (await post(other, '/api/v1/orders', { ...small, validUntil: '2028-12-31' })).json();
  t.match(meanwhile, { stateShareCents: 0 }, 'a new order gets nothing from a committed envelope');

  ctx.clock.set('2028-02-01T09:00:00Z');
  const admin = await loginAs(ctx.app, world.operatorAdmin);
  const expired = (await post(admin, `/api/v1/orders/${first.id}/expire`)).json();
  const stateNote = expired.creditNotes.find((n: { party: string }) => n.party === 'state');
  t.equal(stateNote.totalCents, 10_500, 'no pass was used: the whole State share comes back');
  const shown = (await admin.inject({ method: 'GET', url: `/api/v1/cofinancing-programs/${program.id}` })).json();
  t.match(shown, { envelopeCents: 10_500, committedCents: 10_500, releasedCents: 10_500, remainingCents: 10_500 }, 'remaining = envelope − committed + released');
  const report = (await admin.inject({ method: 'GET', url: `/api/v1/cofinancing-programs/${program.id}/report` })).json();
  t.match(report, { committedCents: 10_500, releasedCents: 10_500, remainingCents: 10_500 }, 'the State’s report lists what was released');

  const approved = await post(admin, `/api/v1/orders/${waiting.id}/approve`);
  t.equal(approved.statusCode, 200, `the released money funds the other buyer’s order: ${approved.body}`);
  t.match((await admin.inject({ method: 'GET', url: `/api/v1/cofinancing-programs/${program.id}` })).json(), { committedCents: 21_000, releasedCents: 10_500, remainingCents: 0 });
  t.ok(trialBalance(ctx.db).balanced);
  const failed = reconcile(ctx.db, {}).checks.filter((c) => !c.balanced);
  t.same(failed.map((c) => c.id), [], 'every finance invariant still holds');
  const page = await admin.inject({ method: 'GET', url: '/programmes' });
  t.match(page.body, /Restitué/, 'the programme page shows what came back');
  t.match(page.body, /105,00\u00a0€|105,00 €/);
});

t.test('the expired value is split in proportion to the order shares, remainder to the buyer', async (t) => {
  t.same(splitExpiredValue(2331, { totalCents: 6993, stateShareCents: 3496 }), { stateShareCents: 1165, buyerShareCents: 1166 });
  t.same(splitExpiredValue(1000, { totalCents: 1000, stateShareCents: 0 }), { stateShareCents: 0, buyerShareCents: 1000 });
  t.same(splitExpiredValue(999, { totalCents: 2000, stateShareCents: 1000 }), { stateShareCents: 499, buyerShareCents: 500 });
});
