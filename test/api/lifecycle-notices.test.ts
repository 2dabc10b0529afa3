import t from 'tap';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld, submitTestOrder } from '../helpers/fixtures.ts';
import { pathOf, startSmtpServer, type ReceivedMail } from '../helpers/mail.ts';
import { placeApplication } from '../helpers/place-application.ts';
import { outboxMessages } from '../../db/schema/notifications.ts';
import { MAX_ATTEMPTS, retryDelayMs } from '../../server/modules/notifications/outbox-sender.ts';
import { enqueueMessage } from '../../server/modules/notifications/outbox.ts';

const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
const recipientsOf = (mails: ReceivedMail[]) => mails.flatMap((m) => m.envelopeTo).sort();
const withSubject = (mails: ReceivedMail[], subject: string) => mails.filter((m) => m.subject === subject);

const application = { ...placeApplication, name: 'Tiers-lieu de Muret', contactEmail: 'contact@tierslieu-muret.example' };

/** Waits for a condition the sender makes true by itself; the test's own timeout bounds it, nothing measures it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

t.test('the scheduler’s outbox task delivers a queued message without anyone calling the sender', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/places/applications', payload: application })).statusCode, 201);
  t.equal(smtp.received.length, 0, 'queued, not yet sent');
  clock.advance(60_000);
  const ran = await app.scheduler.tick();
  t.ok(ran.includes('outbox'), `the outbox task ran (${ran.join(', ')})`);
  t.equal(smtp.received.length, 1);
  t.equal(smtp.received[0]!.subject, 'Candidature reçue : Tiers-lieu de Muret');
  t.match(app.scheduler.list().find((task) => task.name === 'outbox'), { registered: true, cron: '* * * * *' });
});

t.test('a running sender delivers a message as soon as the transaction that queued it commits', async (t) => {
  const smtp = await startSmtpServer(t);
  // The sender left to run by itself, as `npm start` does; no poll timer and no scheduler tick.
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url, mailPollIntervalMs: undefined } });
  seedReference(db);
  await app.ready();
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/places/applications', payload: application })).statusCode, 201);
  await until(() => smtp.received.length === 1);
  t.same(smtp.received[0]!.envelopeTo, ['contact@tierslieu-muret.example']);
});

t.test('a running sender retries on the scheduler’s task, and a message resent by the operator leaves as soon as it is requeued', async (t) => {
  const smtp = await startSmtpServer(t, { refuse: 100 });
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url, mailPollIntervalMs: undefined } });
  seedReference(db);
  const world = await seedWorld(db);
  await app.ready();
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/places/applications', payload: application })).statusCode, 201);
  const row = () => db.select().from(outboxMessages).all().find((m) => m.toAddress === 'contact@tierslieu-muret.example')!;
  await until(() => row().attempts === 1);
  for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
    clock.advance(retryDelayMs(attempt));
    t.ok((await app.scheduler.tick()).includes('outbox'), `attempt ${attempt + 1} by the scheduler`);
  }
  t.equal(row().status, 'failed');
  smtp.refuseNext(0);
  const operator = await loginAs(app, world.operatorAdmin);
  t.equal((await operator.inject({ method: 'POST', url: `/api/v1/outbox/${row().id}/resend` })).statusCode, 200);
  await until(() => row().status === 'sent');
  t.equal(smtp.received.length, 1);
});

t.test('a running sender loses no wake: a message queued during a round, and more than a round’s worth in one commit, all go', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url, mailPollIntervalMs: undefined } });
  await app.ready();
  const queue = (emails: string[]) =>
    db.transaction((tx) => enqueueMessage({ tx, clock, template: 'password_changed', to: emails.map((email) => ({ email })), data: { name: 'A' } }));
  queue(['premier@exemple.test']);
  const round = app.outbox.deliverDue(); // a round in flight (started by the wake, or this call)
  queue(['pendant@exemple.test']); // committed while the round talks to the server
  await round;
  await until(() => smtp.received.some((m) => m.envelopeTo[0] === 'pendant@exemple.test'));
  queue(Array.from({ length: 23 }, (_, i) => `lot${i}@exemple.test`)); // more than one round of 10
  await until(() => db.select().from(outboxMessages).all().every((m) => m.status === 'sent'));
  t.equal(smtp.received.length, 25, 'each message once');
  t.equal(new Set(smtp.received.map((m) => m.messageId)).size, 25);
});

t.test('proof ready reaches the buyer; rejected (with the comment) and accepted reach the operator’s admins', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5 });
  await app.outbox.deliverDue();
  const ready = withSubject(smtp.received, `BAT à valider : commande ${order.reference}`);
  t.same(recipientsOf(ready), [world.buyerAdmin.email, world.buyerAgent.email].sort(), 'the buyer’s users, nobody else');
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: pathOf(ready[0]!.link) })).statusCode, 200, 'the link opens the booklets page');

  const rejected = await post(buyer, `/api/v1/orders/${order.id}/proof/reject`, { comment: 'Le logo est flou' });
  t.equal(rejected.statusCode, 200, rejected.body);
  await app.outbox.deliverDue();
  const refusal = withSubject(smtp.received, `BAT refusé : commande ${order.reference}`);
  t.same(recipientsOf(refusal), [world.operatorAdmin.email], 'the operator’s admins, not its finance users');
  t.match(refusal[0]!.text, 'Le logo est flou');
  t.match(refusal[0]!.text, 'Département de test a refusé le bon à tirer (version 1)');
  const operator = await loginAs(app, world.operatorAdmin);
  t.equal((await operator.inject({ method: 'GET', url: pathOf(refusal[0]!.link) })).statusCode, 200);

  t.equal((await buyer.inject({ method: 'PATCH', url: `/api/v1/orders/${order.id}/print-settings`, payload: { coverTitle: 'Pass numérique de la Haute-Garonne' } })).statusCode, 200);
  const accepted = await post(buyer, `/api/v1/orders/${order.id}/proof/accept`);
  t.equal(accepted.statusCode, 200, accepted.body);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/proof/accept`)).statusCode, 200, 'accepting again');
  await app.outbox.deliverDue();
  const acceptance = withSubject(smtp.received, `BAT validé : commande ${order.reference}`);
  t.same(recipientsOf(acceptance), [world.operatorAdmin.email], 'once, to the operator’s admins');
  t.equal((await operator.inject({ method: 'GET', url: pathOf(acceptance[0]!.link) })).statusCode, 200);
});

t.test('a large order’s proof is announced when the job has issued its booklets, not at approval', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url, asyncApprovalPasses: 10 } });
  seedReference(db);
  const world = await seedWorld(db);
  const order = submitTestOrder(db, clock, world.buyerAdmin, { bookletCount: 3, passesPerBooklet: 5 });
  const operator = await loginAs(app, world.operatorAdmin);
  t.equal((await post(operator, `/api/v1/orders/${order.id}/approve`)).statusCode, 202);
  await app.outbox.deliverDue();
  const subject = `BAT à valider : commande ${order.reference}`;
  t.equal(withSubject(smtp.received, subject).length, 0, 'no booklets yet, no proof');
  await app.jobs.runUntilIdle();
  await app.outbox.deliverDue();
  t.same(recipientsOf(withSubject(smtp.received, subject)), [world.buyerAdmin.email, world.buyerAgent.email].sort(), 'once the booklets exist');
});

t.test('booklets returned by a prescriber reach the buyer’s users; a return the buyer records itself sends nothing', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 4, passesPerBooklet: 5 });
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id })).statusCode, 201);
  t.equal((await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 3 })).statusCode, 201);
  const prescriber = await loginAs(app, world.prescriberAdmin);
  const returned = await post(prescriber, '/api/v1/allotments/returns', { orderId: order.id, bookletCount: 1 });
  t.equal(returned.statusCode, 201, returned.body);
  t.equal((await post(buyer, '/api/v1/allotments/returns', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 1 })).statusCode, 201);
  await app.outbox.deliverDue();
  const mails = smtp.received.filter((m) => m.subject.includes('rendu'));
  t.same(mails.map((m) => m.subject), ['1 carnet rendu par Mission locale de test', '1 carnet rendu par Mission locale de test'], 'one return, told to two users');
  t.same(recipientsOf(mails), [world.buyerAdmin.email, world.buyerAgent.email].sort());
  t.match(mails[0]!.text, order.reference);
  t.equal((await buyer.inject({ method: 'GET', url: pathOf(mails[0]!.link) })).statusCode, 200);
});

t.test('J-30 and J-15 reach the buyer and the designated prescribers, once each, with links each of them can open', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { now: '2026-11-24T10:00:00.000Z', config: { smtpUrl: smtp.url } });
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5, validUntil: '2026-12-25' });
  const untouched = createApprovedOrder(db, clock, { buyer: world.otherBuyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5 });
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id })).statusCode, 201);
  await app.outbox.deliverDue();
  smtp.received.length = 0;

  clock.set('2026-11-25T06:01:00.000Z'); // 07:01 in Paris, J-30
  t.ok((await app.scheduler.tick()).includes('validity-notices'));
  await app.outbox.deliverDue();
  const alert = withSubject(smtp.received, `Commande ${order.reference} : fin de validité le 25 décembre 2026`);
  t.same(recipientsOf(alert), [world.buyerAdmin.email, world.buyerAgent.email, world.prescriberAdmin.email].sort(), 'the buyer’s users and the prescriber’s, never another buyer');
  t.notOk(smtp.received.some((m) => m.text.includes(untouched.reference)), 'an order far from its end sends nothing');
  t.match(alert[0]!.text, 'dans 30 jours');
  const toPrescriber = alert.find((m) => m.envelopeTo[0] === world.prescriberAdmin.email)!;
  const prescriber = await loginAs(app, world.prescriberAdmin);
  t.equal((await prescriber.inject({ method: 'GET', url: pathOf(toPrescriber.link) })).statusCode, 200, 'the prescriber’s link opens its stock');
  const toBuyer = alert.find((m) => m.envelopeTo[0] === world.buyerAdmin.email)!;
  t.equal((await (await loginAs(app, world.buyerAdmin)).inject({ method: 'GET', url: pathOf(toBuyer.link) })).statusCode, 200, 'the buyer’s link opens the order');

  clock.set('2026-11-26T06:01:00.000Z');
  await app.scheduler.tick();
  await app.outbox.deliverDue();
  t.equal(withSubject(smtp.received, alert[0]!.subject).length, 3, 'the alert is not sent again the next day');

  clock.set('2026-12-10T06:01:00.000Z'); // J-15
  await app.scheduler.tick();
  await app.outbox.deliverDue();
  const stop = withSubject(smtp.received, `Commande ${order.reference} : cessez de distribuer ses carnets`);
  t.same(recipientsOf(stop), [world.buyerAdmin.email, world.buyerAgent.email, world.prescriberAdmin.email].sort());
  t.match(stop[0]!.text, 'dans 15 jours');
  const again = await loginAs(app, world.prescriberAdmin);
  t.equal((await again.inject({ method: 'GET', url: pathOf(stop.find((m) => m.envelopeTo[0] === world.prescriberAdmin.email)!.link) })).statusCode, 200);
});

t.test('an expired order tells the buyer’s admins and finance users of its credit note', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5, funded: true });
  await app.outbox.deliverDue();
  smtp.received.length = 0;
  clock.set('2027-12-15T10:00:00.000Z');
  const finance = await loginAs(app, world.operatorFinance);
  const expired = await post(finance, `/api/v1/orders/${order.id}/expire`);
  t.equal(expired.statusCode, 200, expired.body);
  await app.outbox.deliverDue();
  const mails = withSubject(smtp.received, `Commande ${order.reference} arrivée en fin de validité`);
  t.same(recipientsOf(mails), [world.buyerAdmin.email], 'the buyer’s admin (no agent: credit notes are finance)');
  t.match(mails[0]!.text, /avoir de \d[\d\s  ]*,\d{2} €/);
  t.match(mails[0]!.text, `(avoir ${expired.json().creditNote.number})`, 'with the credit note’s number');
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: pathOf(mails[0]!.link) })).statusCode, 200, 'the link opens the credit notes');
});

t.test('repeated sign-in failures reach the account’s owner only, once, without the attacker’s address', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  const world = await seedWorld(db);
  for (let i = 0; i < 7; i++) {
    await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAgent.email, password: `essai ${i}` }, remoteAddress: `192.0.2.${10 + i}` });
  }
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1);
  t.same(smtp.received[0]!.envelopeTo, [world.buyerAgent.email]);
  t.equal(smtp.received[0]!.subject, 'Tentatives de connexion à votre compte');
  t.match(smtp.received[0]!.text, 'échoué 5 fois de suite');
  t.notMatch(smtp.received[0]!.text, /192\.0\.2/);
  t.equal((await app.inject({ method: 'GET', url: pathOf(smtp.received[0]!.link) })).statusCode, 200, 'the link opens "mot de passe oublié"');
});

t.test('the log of the every-minute outbox task is purged after a week', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  clock.advance(60_000);
  await app.scheduler.tick();
  const { runsOf } = await import('../../server/modules/jobs/scheduler.repository.ts');
  t.equal(runsOf(db, 'outbox').length, 1);
  clock.set('2026-12-03T10:16:00.000Z'); // eight days on, past the hourly purge's quarter
  await app.scheduler.tick();
  t.same(
    runsOf(db, 'outbox').map((r) => r.startedAt),
    ['2026-12-03T10:16:00.000Z'],
    'the week-old run is gone, today’s is kept',
  );
});
