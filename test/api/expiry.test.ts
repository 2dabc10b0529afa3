import t, { type Test } from 'tap';
import { eq, inArray } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createProgram, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { passes } from '../../db/schema/booklets.ts';
import { creditNotePasses, creditNotes } from '../../db/schema/credit-notes.ts';
import { orders } from '../../db/schema/orders.ts';
import { balanceOf, trialBalance } from '../../server/modules/finance/ledger.ts';
import { splitExpiredValue } from '../../server/modules/finance/expiry.service.ts';

const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

/** An approved order of 3 booklets × 7 passes at 3,33 € (6 993 cents), 50 % co-financed: odd amounts on purpose. */
async function approvedOddOrder(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const order = (
    await post(buyer, '/api/v1/orders', {
      bookletCount: 3,
      passesPerBooklet: 7,
      faceValueCents: 333,
      validFrom: '2027-01-01',
      validUntil: '2027-12-31',
      publics: null,
      territory: null,
      cofinancingProgramId: program.id,
    })
  ).json();
  t.equal((await post(operator, `/api/v1/orders/${order.id}/approve`)).statusCode, 200);
  return { ...ctx, world, program, buyer, operator, order };
}

t.test('passes cannot expire before the end of validity plus the grace period', async (t) => {
  const { app, world, order, clock } = await approvedOddOrder(t);
  clock.set('2028-01-31T12:00:00Z'); // 31 Dec + 31 days = 31 Jan: still accepted that day
  const operator = await loginAs(app, world.operatorAdmin);
  const res = await post(operator, `/api/v1/orders/${order.id}/expire`);
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'order_not_expired_yet', graceEndsOn: '2028-01-31' });
});

t.test('after the grace period, unredeemed passes expire into one credit note split like the order', async (t) => {
  const { app, order, clock, db, world, program } = await approvedOddOrder(t);
  // 14 of the 21 passes were used; 7 remain (7 × 333 = 2 331 cents).
  const used = db.select({ id: passes.id }).from(passes).where(eq(passes.orderId, order.id)).limit(14).all().map((p) => p.id);
  db.update(passes).set({ status: 'redeemed' }).where(inArray(passes.id, used)).run();
  clock.set('2028-02-01T09:00:00Z');
  const operator = await loginAs(app, world.operatorAdmin);
  const outstandingBefore = balanceOf(db, 'passes:outstanding');
  const res = await post(operator, `/api/v1/orders/${order.id}/expire`);
  t.equal(res.statusCode, 200);
  const note = res.json().creditNote;
  t.match(note, { number: 'AV-2028-000001', passCount: 7, totalCents: 2331 });
  t.equal(note.stateShareCents, Math.floor((2331 * 3496) / 6993), 'the State gets its share, rounded down');
  t.equal(note.buyerShareCents + note.stateShareCents, 2331, 'the buyer gets the remainder');
  t.equal(balanceOf(db, 'passes:outstanding') - outstandingBefore, 2331);
  t.equal(balanceOf(db, `buyer:${world.buyer.id}:credit_note`), -note.buyerShareCents);
  t.equal(balanceOf(db, `program:${program.id}:credit_note`), -note.stateShareCents);
  t.ok(trialBalance(db).balanced);
  t.equal(db.select().from(passes).where(eq(passes.status, 'expired')).all().length, 7);
  t.equal(db.select().from(passes).where(eq(passes.status, 'redeemed')).all().length, 14, 'redeemed passes are untouched');
  t.equal(db.select().from(creditNotePasses).all().length, 7, 'each expired pass is in the credit note');
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.status, 'closed');
});

t.test('expiring twice, or twice at the same time, raises one credit note only', async (t) => {
  const { app, world, order, clock, db } = await approvedOddOrder(t);
  clock.set('2028-03-01T09:00:00Z');
  const operator = await loginAs(app, world.operatorAdmin);
  const [a, b] = await Promise.all([post(operator, `/api/v1/orders/${order.id}/expire`), post(operator, `/api/v1/orders/${order.id}/expire`)]);
  t.same([a.statusCode, b.statusCode], [200, 200]);
  t.equal([a.json().creditNote, b.json().creditNote].filter(Boolean).length, 1);
  const again = await post(operator, `/api/v1/orders/${order.id}/expire`);
  t.same(again.json(), { expiredPassCount: 0, creditNote: null });
  t.equal(db.select().from(creditNotes).all().length, 1);
  t.equal(db.select().from(creditNotePasses).all().length, 21);
});

t.test('credit notes: the buyer lists and downloads its own, another buyer cannot', async (t) => {
  const { app, order, clock, world } = await approvedOddOrder(t);
  clock.set('2028-03-01T09:00:00Z');
  const operator = await loginAs(app, world.operatorAdmin);
  const buyer = await loginAs(app, world.buyerAdmin);
  const note = (await post(operator, `/api/v1/orders/${order.id}/expire`)).json().creditNote;
  const mine = (await buyer.inject({ method: 'GET', url: '/api/v1/credit-notes' })).json();
  t.equal(mine.items.length, 1);
  const pdf = await buyer.inject({ method: 'GET', url: `/api/v1/credit-notes/${note.id}.pdf` });
  t.equal(pdf.statusCode, 200);
  t.equal(pdf.headers['content-type'], 'application/pdf');
  const other = await loginAs(app, world.otherBuyerAdmin);
  t.equal((await other.inject({ method: 'GET', url: '/api/v1/credit-notes' })).json().items.length, 0);
  t.equal((await other.inject({ method: 'GET', url: `/api/v1/credit-notes/${note.id}.pdf` })).statusCode, 404);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/expire`)).statusCode, 403, 'buyers do not run expiry');
});

t.test('the expired value is split in proportion to the order shares, remainder to the buyer', async (t) => {
  t.same(splitExpiredValue(2331, { totalCents: 6993, stateShareCents: 3496 }), { stateShareCents: 1165, buyerShareCents: 1166 });
  t.same(splitExpiredValue(1000, { totalCents: 1000, stateShareCents: 0 }), { stateShareCents: 0, buyerShareCents: 1000 });
  t.same(splitExpiredValue(999, { totalCents: 2000, stateShareCents: 1000 }), { stateShareCents: 499, buyerShareCents: 500 });
});
