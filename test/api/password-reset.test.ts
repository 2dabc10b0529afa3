import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, bearer, loginAs } from '../helpers/app.ts';
import { seedWorld, TEST_PASSWORD } from '../helpers/fixtures.ts';
import { pathOf, startSmtpServer } from '../helpers/mail.ts';
import { apiTokens, users } from '../../db/schema/accounts.ts';
import { outboxMessages } from '../../db/schema/notifications.ts';

const NEW_PASSWORD = 'un tout nouveau mot de passe';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const smtp = await startSmtpServer(t);
  const built = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  const world = await seedWorld(built.db);
  return { ...built, smtp, world };
}

const tokenOf = (link: string | undefined) => pathOf(link).split('/').pop()!;

t.test('a user who forgot their password gets a link by mail, sets a new one, and every session and API token ends', async (t) => {
  const { app, db, smtp, world } = await setup(t);
  const oldSession = await loginAs(app, world.buyerAgent);
  const created = await oldSession.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'intégration' } });
  const apiToken = created.json().token as string;
  t.equal((await bearer(app, apiToken)({ method: 'GET', url: '/api/v1/me' })).statusCode, 200);

  const res = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: world.buyerAgent.email.toUpperCase() } });
  t.equal(res.statusCode, 202);
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1);
  const mail = smtp.received[0]!;
  t.same(mail.envelopeTo, [world.buyerAgent.email]);
  t.equal(mail.subject, 'Réinitialiser votre mot de passe Pass numérique');
  t.match(mail.link, /^http:\/\/pass\.test\/mot-de-passe\/\S+$/);
  t.notMatch(mail.text, TEST_PASSWORD, 'never a password in a mail');

  const page = await app.inject({ method: 'GET', url: pathOf(mail.link) });
  t.equal(page.statusCode, 200, 'the link opens the new-password page');
  t.match(page.body, world.buyerAgent.email);

  const done = await app.inject({ method: 'POST', url: `/api/v1/password-resets/${tokenOf(mail.link)}`, payload: { password: NEW_PASSWORD } });
  t.equal(done.statusCode, 204);
  t.equal((await oldSession.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'the old session is closed');
  t.equal((await bearer(app, apiToken)({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'the API token is revoked');
  t.ok(db.select().from(apiTokens).where(eq(apiTokens.userId, world.buyerAgent.id)).get()!.revokedAt);
  const oldLogin = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAgent.email, password: TEST_PASSWORD } });
  t.equal(oldLogin.statusCode, 401, 'the old password no longer works');
  await loginAs(app, { email: world.buyerAgent.email, password: NEW_PASSWORD });

  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 2);
  t.equal(smtp.received[1]!.subject, 'Votre mot de passe a été changé');
  t.same(smtp.received[1]!.envelopeTo, [world.buyerAgent.email]);
  t.equal((await app.inject({ method: 'GET', url: pathOf(smtp.received[1]!.link) })).statusCode, 200, 'its link opens the login page');

  const again = await app.inject({ method: 'POST', url: `/api/v1/password-resets/${tokenOf(mail.link)}`, payload: { password: 'encore un autre mot de passe' } });
  t.equal(again.statusCode, 409, 'the link is single use');
  t.equal(again.json().code, 'reset_already_used');
});

t.test('an unknown address gets the same status and body as a known one, and nothing is sent', async (t) => {
  const { app, db, smtp, world } = await setup(t);
  const known = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: world.placeAdmin.email } });
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: 'personne@nulle-part.test' } });
  t.equal(known.statusCode, 202);
  t.equal(unknown.statusCode, 202);
  t.same(unknown.json(), known.json(), 'same body');
  t.same(
    db.select({ to: outboxMessages.toAddress }).from(outboxMessages).all().map((r) => r.to),
    [world.placeAdmin.email],
    'a message for the known address only',
  );

  // Same work on both paths, checked as a property rather than a timing band (a loaded machine
  // cannot fail it): neither reply waits for the mail server, the message only waits in the outbox.
  t.equal(known.headers['content-length'], unknown.headers['content-length'], 'same length');
  t.equal(smtp.received.length, 0, 'neither reply waited for the mail server: the message waits in the outbox');
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1, 'delivered afterwards, to the known address only');
});

t.test('a reset link is valid for one hour', async (t) => {
  const { app, clock, smtp, world } = await setup(t);
  await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: world.buyerAdmin.email } });
  await app.outbox.deliverDue();
  clock.advance(3600_000 + 1000);
  const res = await app.inject({ method: 'POST', url: `/api/v1/password-resets/${tokenOf(smtp.received[0]!.link)}`, payload: { password: NEW_PASSWORD } });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'reset_expired');
  const page = await app.inject({ method: 'GET', url: pathOf(smtp.received[0]!.link), headers: { accept: 'text/html' } });
  t.equal(page.statusCode, 422);
  t.match(page.body, 'expiré');
});

t.test('reset requests are throttled per address (silently) and per IP (429)', async (t) => {
  const { app, db, world } = await setup(t);
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: world.buyerAdmin.email }, remoteAddress: `10.1.0.${i}` });
    t.equal(res.statusCode, 202);
  }
  t.equal(db.select().from(outboxMessages).all().length, 3, 'at most three links an hour to one address');
  let last;
  for (let i = 0; i < 11; i++) {
    last = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: `x${i}@nulle-part.test` }, remoteAddress: '10.2.0.1' });
  }
  t.equal(last!.statusCode, 429, 'one IP cannot spray requests');
  t.equal(last!.json().code, 'too_many_reset_requests');
  t.ok(last!.headers['retry-after']);
});

t.test('the new password follows the password rule', async (t) => {
  const { app, smtp, world } = await setup(t);
  await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: world.buyerAdmin.email } });
  await app.outbox.deliverDue();
  const res = await app.inject({ method: 'POST', url: `/api/v1/password-resets/${tokenOf(smtp.received[0]!.link)}`, payload: { password: 'court' } });
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 'validation_failed');
});

t.test('pages: "Mot de passe oublié ?" on the login page, the request form, and the new-password form', async (t) => {
  const { app, smtp, world } = await setup(t);
  const login = await app.inject({ method: 'GET', url: '/connexion' });
  t.match(login.body, 'href="/mot-de-passe-oublie"');
  const form = await app.inject({ method: 'GET', url: '/mot-de-passe-oublie' });
  t.equal(form.statusCode, 200);
  const bad = await app.inject({ method: 'POST', url: '/mot-de-passe-oublie', payload: { email: 'pas-une-adresse' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, 'Adresse e-mail invalide');
  t.match(bad.body, 'value="pas-une-adresse"', 'the form keeps its value');
  const sent = await app.inject({ method: 'POST', url: '/mot-de-passe-oublie', payload: { email: world.prescriberAdmin.email } });
  t.equal(sent.statusCode, 200);
  t.match(sent.body, 'Si un compte utilise cette adresse');
  await app.outbox.deliverDue();
  const path = pathOf(smtp.received[0]!.link);
  const mismatch = await app.inject({ method: 'POST', url: path, payload: { password: NEW_PASSWORD, confirmation: 'autre chose encore' } });
  t.equal(mismatch.statusCode, 400);
  t.match(mismatch.body, 'ne sont pas identiques');
  const ok = await app.inject({ method: 'POST', url: path, payload: { password: NEW_PASSWORD, confirmation: NEW_PASSWORD } });
  t.equal(ok.statusCode, 303);
  t.equal(ok.headers.location, '/connexion?message=mot-de-passe-enregistre');
  await loginAs(app, { email: world.prescriberAdmin.email, password: NEW_PASSWORD });
});

t.test('a user changes their own password (current one required) and their e-mail (confirmed from the new address)', async (t) => {
  const { app, db, smtp, world } = await setup(t);
  const session = await loginAs(app, world.placeAdmin);
  const wrong = await session.inject({ method: 'POST', url: '/api/v1/me/password', payload: { currentPassword: 'pas le bon', newPassword: NEW_PASSWORD } });
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().code, 'wrong_current_password');
  const ok = await session.inject({ method: 'POST', url: '/api/v1/me/password', payload: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD } });
  t.equal(ok.statusCode, 204);
  t.equal((await session.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'sessions end with the old password');
  const again = await loginAs(app, { email: world.placeAdmin.email, password: NEW_PASSWORD });
  await app.outbox.deliverDue();
  t.equal(smtp.received.at(-1)!.subject, 'Votre mot de passe a été changé');

  const change = await again.inject({ method: 'POST', url: '/api/v1/me/email', payload: { email: 'nouvelle.adresse@lieu.test', password: NEW_PASSWORD } });
  t.equal(change.statusCode, 202);
  t.equal(db.select().from(users).where(eq(users.id, world.placeAdmin.id)).get()!.email, world.placeAdmin.email, 'nothing changes before confirmation');
  await app.outbox.deliverDue();
  const confirmation = smtp.received.find((m) => m.subject === 'Confirmez votre nouvelle adresse e-mail')!;
  const notice = smtp.received.find((m) => m.subject === 'Changement d’adresse e-mail demandé sur votre compte')!;
  t.same(confirmation.envelopeTo, ['nouvelle.adresse@lieu.test'], 'the link goes to the new address');
  t.same(notice.envelopeTo, [world.placeAdmin.email], 'a notice goes to the old one');
  t.notMatch(notice.text, /mon-compte\/adresse\//, 'the notice carries no confirmation link');
  t.equal((await app.inject({ method: 'GET', url: pathOf(confirmation.link) })).statusCode, 200);
  const confirmed = await app.inject({ method: 'POST', url: pathOf(confirmation.link) });
  t.equal(confirmed.statusCode, 303);
  t.equal(db.select().from(users).where(eq(users.id, world.placeAdmin.id)).get()!.email, 'nouvelle.adresse@lieu.test');
  await loginAs(app, { email: 'nouvelle.adresse@lieu.test', password: NEW_PASSWORD });
  t.equal((await app.inject({ method: 'POST', url: pathOf(confirmation.link) })).statusCode, 409, 'single use');
});

t.test('non-essential notices can be switched off, security messages never', async (t) => {
  const { app, db, clock, world } = await setup(t);
  const session = await loginAs(app, world.buyerAdmin);
  const res = await session.inject({ method: 'PUT', url: '/api/v1/me/preferences', payload: { noticesOptOut: true } });
  t.equal(res.statusCode, 200);
  const { enqueueToOrganisation } = await import('../../server/modules/notifications/outbox.ts');
  db.transaction((tx) => {
    enqueueToOrganisation({ tx, clock, template: 'validity_alert', organisationId: world.buyer.id, data: { reference: 'CMD-1', orderId: 'x', validUntil: '2026-12-31' } });
    enqueueToOrganisation({ tx, clock, template: 'order_approved', organisationId: world.buyer.id, data: { reference: 'CMD-1', orderId: 'x' } });
  });
  const rows = db.select().from(outboxMessages).all();
  t.same(rows.filter((r) => r.template === 'validity_alert').map((r) => r.toAddress), [world.buyerAgent.email], 'the alert skips who opted out');
  t.same(rows.filter((r) => r.template === 'order_approved').map((r) => r.toAddress).sort(), [world.buyerAdmin.email, world.buyerAgent.email].sort());
  const page = await session.inject({ method: 'GET', url: '/mon-compte' });
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, /id="notices" name="notices" checked/);
});
