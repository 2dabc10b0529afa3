import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { handedOutOrder, handOut, post } from '../helpers/handed-out-order.ts';
import { expireOrder } from '../../server/modules/finance/expiry.service.ts';

t.test('J-15 blocking approved by the buyer stops hand-outs, J-7 acknowledgement, then the joint closing statement signed by both', async (t) => {
  const ctx = await handedOutOrder(t, { allot: 3, handOut: 1, validFrom: '2026-11-01', validUntil: '2026-12-31' });
  const { world, order, serials } = ctx;
  let { buyer, prescriber } = ctx;
  const url = `/api/v1/orders/${order.id}/end-of-validity`;

  const early = await post(buyer, `${url}/blocage`);
  t.equal(early.statusCode, 422);
  t.equal(early.json().code, 'step_not_open_yet', 'J-36: too early to block');

  ctx.clock.set('2026-12-17T09:00:00.000Z'); // J-14
  buyer = await loginAs(ctx.app, world.buyerAdmin);
  prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  const before = (await buyer.inject({ method: 'GET', url })).json();
  t.match(before.unhandedBooklets, { count: 19, passCount: 95, amountCents: 95_000 }, 'the buyer sees the list and the amount it blocks');
  const blocked = await post(buyer, `${url}/blocage`);
  t.equal(blocked.statusCode, 200, blocked.body);
  t.equal(blocked.json().blocked, true);
  t.ok(blocked.json().steps.find((s: { step: string }) => s.step === 'blocking_approved').doneAt);
  const after = await handOut(prescriber, serials[1]!);
  t.equal(after.statusCode, 422, 'a booklet handed out after the blocking is refused');
  t.equal(after.json().code, 'order_blocked_end_of_validity');
  t.equal((await post(buyer, `${url}/blocage`)).statusCode, 409, 'blocking twice');

  t.equal((await post(buyer, `${url}/prise-d-acte`)).json().code, 'step_not_open_yet', 'J-14: the acknowledgement opens at J-7');
  ctx.clock.set('2026-12-26T09:00:00.000Z'); // J-5
  buyer = await loginAs(ctx.app, world.buyerAdmin);
  t.equal((await post(buyer, `${url}/prise-d-acte`)).statusCode, 200);
  t.equal((await post(buyer, `${url}/signature`)).json().code, 'closing_not_ready', 'nothing to sign before the expiry');

  ctx.clock.set('2027-02-05T09:00:00.000Z'); // grace of 31 days over
  const expiry = expireOrder({ db: ctx.db, clock: ctx.clock, actor: null, orderId: order.id, gracePeriodDays: 31 });
  t.equal(expiry.expiredPassCount, 100, 'no pass used: all 100 expire, including the handed-out booklet’s');
  buyer = await loginAs(ctx.app, world.buyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const pdf = await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/closing-statement.pdf` });
  t.equal(pdf.statusCode, 200);
  t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
  t.equal((await post(buyer, `${url}/signature`)).statusCode, 200);
  const both = await post(operator, `${url}/signature`);
  t.equal(both.statusCode, 200);
  t.ok(both.json().steps.every((s: { doneAt: string | null }) => s.doneAt !== null), 'every step is on the order’s timeline');
  t.equal((await post(buyer, `${url}/signature`)).statusCode, 409, 'signed once');

  const other = await loginAs(ctx.app, world.otherBuyerAdmin);
  t.equal((await other.inject({ method: 'GET', url })).statusCode, 404);
  t.equal((await other.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/closing-statement.pdf` })).statusCode, 404);
});

t.test('the buyer approves the blocking on the order’s page, after ticking the confirmation', async (t) => {
  const ctx = await buildTestApp(t, { now: '2026-12-17T09:00:00.000Z' });
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, validFrom: '2026-11-01', validUntil: '2026-12-31' });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const page = await buyer.inject({ method: 'GET', url: `/commandes/${order.id}/fin-de-validite` });
  t.equal(page.statusCode, 200);
  t.match(page.body, '100 pass pour');
  const form = (payload: Record<string, string>) =>
    buyer.inject({ method: 'POST', url: `/commandes/${order.id}/fin-de-validite/blocage`, payload: new URLSearchParams({ _csrf: buyer.csrfToken, ...payload }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, csrf: false });
  const unconfirmed = await form({});
  t.equal(unconfirmed.statusCode, 400);
  t.match(unconfirmed.body, 'Cochez la case de confirmation');
  const done = await form({ confirm: 'oui' });
  t.equal(done.statusCode, 200);
  t.match(done.body, 'Blocage approuvé');
});
