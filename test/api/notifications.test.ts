import t from 'tap';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, createUser, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { pathOf, startSmtpServer } from '../helpers/mail.ts';
import { placeApplication } from '../helpers/place-application.ts';

const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

const application = placeApplication;

t.test('a place applies, is told so; labelled, its contact receives its admin account and gets in through the mail', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const applied = await app.inject({ method: 'POST', url: '/api/v1/places/applications', payload: application });
  t.equal(applied.statusCode, 201, applied.body);
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1);
  t.same(smtp.received[0]!.envelopeTo, ['contact@tierslieu-muret.example']);
  t.equal(smtp.received[0]!.subject, 'Candidature reçue : Tiers-lieu numérique de Muret');
  t.equal((await app.inject({ method: 'GET', url: pathOf(smtp.received[0]!.link) })).statusCode, 200);
  t.notMatch(smtp.received[0]!.text, /3000 6000 0112/, 'never the bank details');

  const operator = await loginAs(app, world.operatorAdmin);
  const labelled = await post(operator, `/api/v1/places/${applied.json().id}/label`);
  t.equal(labelled.statusCode, 200);
  await app.outbox.deliverDue();
  const mail = smtp.received[1]!;
  t.same(mail.envelopeTo, ['contact@tierslieu-muret.example'], 'the invitation goes to the contact e-mail');
  t.equal(mail.subject, 'Tiers-lieu numérique de Muret est labellisé Pass numérique');
  const path = pathOf(mail.link);
  t.match(path, /^\/invitation\//);
  const accept = await app.inject({ method: 'POST', url: `/api/v1${path}/accept`.replace('/invitation/', '/invitations/'), payload: { password: 'mot de passe du nouveau lieu' } });
  t.equal(accept.statusCode, 204, accept.body);
  const admin = await loginAs(app, { email: 'contact@tierslieu-muret.example', password: 'mot de passe du nouveau lieu' });
  const me = (await admin.inject({ method: 'GET', url: '/api/v1/me' })).json();
  t.match(me, { user: { role: 'admin' }, organisation: { id: applied.json().id, kind: 'place' } }, 'the contact is the place’s admin');

  const suspended = await post(operator, `/api/v1/places/${applied.json().id}/suspend`, { reason: 'Fermeture pour travaux' });
  t.equal(suspended.statusCode, 200, suspended.body);
  await app.outbox.deliverDue();
  const notice = smtp.received[2]!;
  t.equal(notice.subject, 'Label suspendu : Tiers-lieu numérique de Muret');
  t.same(notice.envelopeTo, ['contact@tierslieu-muret.example']);
  t.match(notice.text, 'Fermeture pour travaux');
});

t.test('bank details validated or rejected reach the place’s admins, with the reason and without the IBAN', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const place = await createPlace(db, { name: 'EPN du Canal' });
  const admin = await loginAs(app, place.admin);
  const finance = await loginAs(app, world.operatorFinance);
  const put = (iban: string) => admin.inject({ method: 'PUT', url: `/api/v1/places/${place.organisation.id}/bank-details`, payload: { holder: 'EPN du Canal', iban, bic: 'AGRIFRPP' } });
  t.equal((await put('FR14 2004 1010 0505 0001 3M02 606')).statusCode, 200);
  t.equal((await post(finance, `/api/v1/places/${place.organisation.id}/bank-details/reject`, { reason: 'RIB illisible' })).statusCode, 200);
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1);
  t.same(smtp.received[0]!.envelopeTo, [place.admin.email], 'the admin, not the agent');
  t.equal(smtp.received[0]!.subject, 'Coordonnées bancaires refusées');
  t.match(smtp.received[0]!.text, 'RIB illisible');
  t.notMatch(smtp.received[0]!.text, /2004 ?1010/);
  t.equal((await admin.inject({ method: 'GET', url: pathOf(smtp.received[0]!.link) })).statusCode, 200, 'the link opens the place page');

  t.equal((await put('FR14 2004 1010 0505 0001 3M02 606')).statusCode, 200);
  t.equal((await post(finance, `/api/v1/places/${place.organisation.id}/bank-details/validate`)).statusCode, 200);
  await app.outbox.deliverDue();
  t.equal(smtp.received[1]!.subject, 'Coordonnées bancaires validées');
  t.match(smtp.received[1]!.text, 'se terminant par 2606');
});

t.test('order submitted reaches the operator, approved and cancelled reach the buyer', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin });
  await app.outbox.deliverDue();
  const submitted = smtp.received.find((m) => m.subject.startsWith('Nouvelle commande à approuver'))!;
  t.same(submitted.envelopeTo, [world.operatorAdmin.email], 'to the operator admins only');
  t.equal(submitted.subject, `Nouvelle commande à approuver : ${order.reference}`);
  const approved = smtp.received.filter((m) => m.subject === `Commande ${order.reference} approuvée`);
  t.same(approved.map((m) => m.envelopeTo[0]).sort(), [world.buyerAdmin.email, world.buyerAgent.email].sort(), 'to the buyer’s users, never another organisation');
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: pathOf(approved[0]!.link) })).statusCode, 200, 'the link opens the order');

  const { submitTestOrder } = await import('../helpers/fixtures.ts');
  const other = submitTestOrder(db, clock, world.buyerAdmin, { bookletCount: 2, passesPerBooklet: 5 });
  const cancelled = await post(buyer, `/api/v1/orders/${other.id}/cancel`);
  t.equal(cancelled.statusCode, 200, cancelled.body);
  await app.outbox.deliverDue();
  const cancelMails = smtp.received.filter((m) => m.subject === `Commande ${other.reference} annulée`);
  t.same(cancelMails.map((m) => m.envelopeTo[0]).sort(), [world.buyerAdmin.email, world.buyerAgent.email].sort());
});

t.test('a paid batch reaches each paid place with its statement attached as PDF; a rejected payout tells what to fix', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { now: '2026-10-05T08:00:00Z', config: { smtpUrl: smtp.url } });
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5, validFrom: '2026-10-01', funded: true });
  const codes = await handOutBooklet(db, (await bookletsOf(db, order.id))[0]!.id);
  const epn = await createPlace(db, { name: 'Espace numérique Étoile', sites: [{ communeCode: '31395' }] });
  const agent = await loginAs(app, epn.agent);
  for (const code of codes.slice(0, 2)) t.equal((await post(agent, '/api/v1/redemptions', { code })).statusCode, 201);
  await app.outbox.deliverDue();
  const before = smtp.received.length;

  clock.set('2026-11-03T09:00:00Z');
  const finance = await loginAs(app, world.operatorFinance);
  const batch = (await post(finance, '/api/v1/reimbursement-batches', { period: '2026-10' })).json();
  // Four eyes: another finance user approves what the first one built.
  const treasurer = await loginAs(app, await createUser(db, world.operator, { role: 'finance' }));
  t.equal((await post(treasurer, `/api/v1/reimbursement-batches/${batch.id}/approve`)).statusCode, 200);
  t.equal((await post(treasurer, `/api/v1/reimbursement-batches/${batch.id}/paid`, { paidOn: '2026-11-03' })).statusCode, 200);
  await app.outbox.deliverDue();
  const paid = smtp.received.slice(before);
  t.equal(paid.length, 1);
  t.same(paid[0]!.envelopeTo, [epn.admin.email]);
  t.equal(paid[0]!.subject, 'Remboursement d’octobre 2026 versé : 20,00 €');
  const pdf = paid[0]!.parsed.attachments.find((a) => a.contentType === 'application/pdf');
  t.ok(pdf, 'the statement is attached');
  t.equal(pdf!.content.subarray(0, 5).toString(), '%PDF-');
  const placeAdmin = await loginAs(app, epn.admin);
  t.equal((await placeAdmin.inject({ method: 'GET', url: pathOf(paid[0]!.link) })).statusCode, 200, 'the link opens the statements');

  const payout = batch.payouts[0];
  t.equal((await post(finance, `/api/v1/payouts/${payout.id}/reject`, { reason: 'Compte clos' })).statusCode, 200);
  await app.outbox.deliverDue();
  const rejected = smtp.received.at(-1)!;
  t.equal(rejected.subject, 'Virement d’octobre 2026 rejeté : action requise');
  t.match(rejected.text, 'Compte clos');
  t.same(rejected.envelopeTo, [epn.admin.email]);
});
