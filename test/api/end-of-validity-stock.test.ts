import t from 'tap';
import { eq } from 'drizzle-orm';
import { loginAs } from '../helpers/app.ts';
import { outboxMessages } from '../../db/schema/notifications.ts';
import { renderMessage } from '../../server/modules/notifications/render.ts';
import { handedOutOrder, handOut, post } from '../helpers/handed-out-order.ts';

t.test('the prescriber sees on its stock page the booklets the J-15 blocking covers and the message to stop handing them out', async (t) => {
  const ctx = await handedOutOrder(t, { allot: 3, handOut: 1, validFrom: '2026-11-01', validUntil: '2026-12-31' });
  const { world, order, serials } = ctx;
  let { buyer, prescriber } = ctx;

  const before = await prescriber.inject({ method: 'GET', url: '/mon-stock' });
  t.equal(before.statusCode, 200);
  t.notMatch(before.body, 'data-end-of-validity', 'no notice before the blocking');
  t.match(before.body, `href="/distribuer?carnet=${encodeURIComponent(serials[1]!)}"`, 'the booklet can be handed out');

  ctx.clock.set('2026-12-17T09:00:00.000Z'); // J-14
  buyer = await loginAs(ctx.app, world.buyerAdmin);
  prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/end-of-validity/blocage`)).statusCode, 200);

  const after = await prescriber.inject({ method: 'GET', url: '/mon-stock' });
  t.equal(after.statusCode, 200);
  t.match(after.body, `data-end-of-validity="${order.reference}"`, 'a notice for the blocked order');
  t.match(after.body, `Commande ${order.reference} : ne remettez plus ses carnets`);
  t.match(after.body, /a bloqué le 17 décembre 2026 les carnets non remis/, 'with the day of the blocking');
  t.match(after.body, 'ne remettez plus les 2 carnets que vous détenez, ils seraient refusés. Rendez-les au commanditaire.', 'the two booklets still held, in agreement');
  t.match(after.body, serials[1]!, 'the blocked serials are listed');
  t.notMatch(after.body, `href="/distribuer?carnet=${encodeURIComponent(serials[1]!)}"`, 'no hand-out link on a blocked booklet');
  t.match(after.body, 'Bloqué : à rendre');

  const mails = ctx.db.select().from(outboxMessages).where(eq(outboxMessages.template, 'end_of_validity_blocked')).all();
  t.same(
    mails.map((m) => [m.toAddress, m.subject]),
    [[world.prescriberAdmin.email, `Commande ${order.reference} : ne remettez plus ses carnets`]],
    'the designated prescriber is told by mail too, in the same transaction',
  );
  t.match(renderMessage('end_of_validity_blocked', mails[0]!.data as Record<string, number>, 'https://pass.example').text, /Ne remettez plus les 2 carnets de cette commande que vous détenez/);

  const refused = await handOut(prescriber, serials[1]!);
  t.equal(refused.json().code, 'order_blocked_end_of_validity', 'and the hand-out the page warns about is refused');

});
