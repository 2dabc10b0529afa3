import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { outboxMessages } from '../../db/schema/notifications.ts';
import { sendProofReminders } from '../../server/modules/booklets/proof-reminders.ts';

/** An order approved on Tuesday 22 December 2026, two French working days before Christmas. */
async function setup(t: Test) {
  const ctx = await buildTestApp(t, { now: '2026-12-22T10:00:00.000Z' });
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 5, territory: { departements: ['31'] }, funded: true });
  // A fresh session each time: the clock moves by days, past a session's lifetime.
  const dashboard = async (user: { email: string; password: string }) => {
    const res = await (await loginAs(ctx.app, user)).inject({ method: 'GET', url: '/tableau-de-bord' });
    t.equal(res.statusCode, 200);
    return res.body;
  };
  const reminders = () => ctx.db.select().from(outboxMessages).where(eq(outboxMessages.template, 'proof_reminder')).all();
  return { ...ctx, world, order, dashboard, reminders };
}

const section = (html: string, id: string) => {
  const start = html.indexOf(`aria-labelledby="${id}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
};

t.test('the operator’s dashboard lists proofs overdue after 3 French working days, Christmas not counted', async (t) => {
  const { clock, world, order, dashboard } = await setup(t);
  t.match(section(await dashboard(world.operatorAdmin), 'bat-retard-title'), /Aucun bon à tirer en retard/, 'just approved: nothing overdue');
  // Wed 23, Thu 24, (Fri 25 is Christmas), Mon 28: the third working day.
  clock.set('2026-12-28T15:00:00.000Z');
  const onTime = section(await dashboard(world.operatorAdmin), 'bat-retard-title');
  t.notMatch(onTime, order.reference, 'Monday 28: still on time, because Christmas is not a working day');
  clock.set('2026-12-29T08:00:00.000Z');
  const late = section(await dashboard(world.operatorAdmin), 'bat-retard-title');
  t.match(late, /1 commande approuvée depuis plus de 3 jours ouvrés/);
  t.match(late, new RegExp(`<a href="/commandes/${order.id}#impression">${order.reference}</a>`));
  t.match(late, /22 décembre 2026/, 'with its approval date');
});

t.test('the buyer’s dashboard shows the proofs waiting for it; after 6 days one reminder mail goes out, once', async (t) => {
  const { app, clock, world, order, dashboard, reminders } = await setup(t);
  const waiting = section(await dashboard(world.buyerAdmin), 'bat-attente-title');
  t.match(waiting, /1 commande attend votre décision/);
  t.match(waiting, new RegExp(`href="/commandes/${order.id}#impression">Commande ${order.reference}</a>`));
  t.notMatch(waiting, /plus de 6 jours/);
  clock.set('2026-12-28T10:00:00.000Z');
  t.equal(sendProofReminders({ db: app.db, clock }), 0, 'six days: no reminder yet');
  clock.set('2026-12-29T10:00:00.000Z');
  t.match(section(await dashboard(world.buyerAdmin), 'bat-attente-title'), /En attente depuis plus de 6 jours<\/p>/, 'seven days: flagged');
  t.equal(sendProofReminders({ db: app.db, clock }), 1, 'the reminder goes out');
  const sent = reminders();
  t.same(sent.map((m) => m.toAddress).sort(), [world.buyerAdmin.email, world.buyerAgent.email].sort(), 'to the buyer’s admin and agent');
  t.match(sent[0], { subject: `Rappel : le BAT de la commande ${order.reference} attend votre décision`, data: { orderId: order.id, days: 7 } });
  t.equal(sendProofReminders({ db: app.db, clock }), 0, 'a second run sends nothing');
  clock.set('2026-12-30T10:00:00.000Z');
  t.equal(sendProofReminders({ db: app.db, clock }), 0, 'nor the next day');
  t.equal(reminders().length, 2);
  t.match(section(await dashboard(world.buyerAdmin), 'bat-attente-title'), /rappel envoyé par courriel/);
  t.equal(section(await dashboard(world.operatorAdmin), 'bat-attente-title'), '', 'the operator has no “waiting for you” list');

  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` })).statusCode, 200);
  t.equal(section(await dashboard(world.buyerAdmin), 'bat-attente-title'), '', 'an accepted proof leaves the list');
  t.notMatch(section(await dashboard(world.operatorAdmin), 'bat-retard-title'), order.reference);
});

t.test('the daily task sends the reminders', async (t) => {
  const { app, clock, reminders } = await setup(t);
  await app.scheduler.tick();
  clock.set('2026-12-30T08:05:00.000Z'); // 09:05 in Paris
  const ran = await app.scheduler.tick();
  t.ok(ran.includes('proof-reminders'), `ran: ${ran.join(', ')}`);
  t.equal(reminders().length, 2);
});
