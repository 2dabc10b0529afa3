import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs, bearer } from '../helpers/app.ts';
import { seedWorld, TEST_PASSWORD } from '../helpers/fixtures.ts';
import { apiTokens, auditLog, users } from '../../db/schema/accounts.ts';

t.test('a user logs in with the right password and gets an httpOnly, SameSite=Lax session cookie', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAdmin.email.toUpperCase(), password: TEST_PASSWORD } });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.user.email, world.buyerAdmin.email);
  t.equal(body.organisation.kind, 'buyer');
  t.ok(body.csrfToken);
  const setCookie = String(res.headers['set-cookie']);
  t.match(setCookie, /pn_session=[^;]+;.*HttpOnly/);
  t.match(setCookie, /SameSite=Lax/);
  t.notMatch(setCookie, /Secure/, 'no Secure flag on plain http');
});

t.test('cookies are Secure when the public URL is https', async (t) => {
  const { app, db } = await buildTestApp(t, { config: { publicUrl: 'https://pass.example.gouv.fr', secureCookies: true } });
  const world = await seedWorld(db);
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAdmin.email, password: TEST_PASSWORD } });
  t.match(String(res.headers['set-cookie']), /Secure/);
});

t.test('a wrong password and an unknown e-mail get the same refusal', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAdmin.email, password: 'pas le bon mot de passe' } });
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'personne@nulle-part.fr', password: 'pas le bon mot de passe' } });
  t.equal(wrong.statusCode, 401);
  t.equal(unknown.statusCode, 401);
  t.equal(wrong.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.same(wrong.json(), unknown.json(), 'no user enumeration through messages');
  t.equal(wrong.json().code, 'invalid_credentials');
});

t.test('a disabled user cannot log in and their sessions stop working', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const agent = await loginAs(app, world.buyerAgent);
  const admin = await loginAs(app, world.buyerAdmin);
  t.equal((await agent.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 200, 'the session works, and its caller is remembered');
  const res = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users/${world.buyerAgent.id}/disable` });
  t.equal(res.statusCode, 200);
  t.equal(res.json().disabled, true);
  t.equal((await agent.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401);
  const retry = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAgent.email, password: TEST_PASSWORD } });
  t.equal(retry.statusCode, 401);
});

t.test('repeated failures are throttled per account with 429 and Retry-After, even with the right password', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAdmin.email, password: `essai ${i} incorrect` } });
    t.equal(res.statusCode, 401);
  }
  const blocked = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAdmin.email, password: TEST_PASSWORD } });
  t.equal(blocked.statusCode, 429);
  t.equal(blocked.json().code, 'too_many_login_attempts');
  const retryAfter = Number(blocked.headers['retry-after']);
  t.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After is ${retryAfter}s`);
  // Another account from another address is not affected.
  const other = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.placeAdmin.email, password: TEST_PASSWORD }, remoteAddress: '10.0.0.9' });
  t.equal(other.statusCode, 200);
  clock.advance(retryAfter * 1000);
  const later = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAdmin.email, password: TEST_PASSWORD } });
  t.equal(later.statusCode, 200, 'allowed again once the window has passed');
});

t.test('failures from one IP address against many accounts are throttled per IP', async (t) => {
  const { app, db } = await buildTestApp(t);
  await seedWorld(db);
  let last = 0;
  for (let i = 0; i < 31; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: `inconnu${i}@exemple.fr`, password: 'mauvais mot de passe' }, remoteAddress: '192.0.2.7' });
    last = res.statusCode;
  }
  t.equal(last, 429);
});

t.test('a state change with the session cookie but without the CSRF token is refused', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  const without = await admin.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'prescriber', name: 'CCAS' }, csrf: false });
  t.equal(without.statusCode, 403);
  t.equal(without.json().code, 'csrf_token_invalid');
  const forged = await admin.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'prescriber', name: 'CCAS' }, csrf: false, headers: { 'x-csrf-token': 'faux-jeton' } });
  t.equal(forged.statusCode, 403);
  const other = await loginAs(app, world.buyerAdmin);
  const stolen = await admin.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'prescriber', name: 'CCAS' }, csrf: false, headers: { 'x-csrf-token': other.csrfToken } });
  t.equal(stolen.statusCode, 403, 'a token from another session does not work');
  const ok = await admin.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'prescriber', name: 'CCAS' } });
  t.equal(ok.statusCode, 201);
});

t.test('an HTML form post without its CSRF field is refused', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  const res = await admin.inject({
    method: 'POST',
    url: '/organisations',
    csrf: false,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: 'kind=prescriber&name=CCAS',
  });
  t.equal(res.statusCode, 403);
  t.match(res.body, /Jeton anti-CSRF/);
});

t.test('an API token authenticates without cookie or CSRF token; revoked tokens stop working', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  const created = await admin.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'Intégration SI' } });
  t.equal(created.statusCode, 201);
  const { token, id } = created.json();
  t.match(token, /^pn_/);
  const api = bearer(app, token);
  t.equal((await api({ method: 'GET', url: '/api/v1/me' })).json().user.email, world.operatorAdmin.email);
  const write = await api({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'place', name: 'Fablab' } });
  t.equal(write.statusCode, 201, 'bearer calls need no CSRF token');
  const listed = await admin.inject({ method: 'GET', url: '/api/v1/tokens' });
  t.notMatch(listed.body, token, 'the token is never shown again');
  t.equal((await admin.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}` })).statusCode, 204);
  const after = await api({ method: 'GET', url: '/api/v1/me' });
  t.equal(after.statusCode, 401);
  t.equal(after.json().code, 'invalid_token');
});

t.test('a caller is remembered for 30 seconds at most: a token revoked behind the service’s back stops working by then', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  const { token } = (await admin.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'Intégration' } })).json();
  const api = bearer(app, token);
  t.equal((await api({ method: 'GET', url: '/api/v1/me' })).statusCode, 200);
  // A change made outside the service (another process, a hand-written SQL fix): nothing tells the cache.
  db.update(apiTokens).set({ revokedAt: clock.now().toISOString() }).run();
  clock.advance(30_000);
  t.equal((await api({ method: 'GET', url: '/api/v1/me' })).statusCode, 401);
});

t.test('logout ends the session', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.placeAdmin);
  t.equal((await s.inject({ method: 'DELETE', url: '/api/v1/session' })).statusCode, 204);
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401);
});

t.test('sessions expire after 12 hours', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.placeAdmin);
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 200);
  clock.advance(12 * 3600_000 - 1000);
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 200, 'a second before the end');
  clock.advance(2000);
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401);
});

t.test('an invitation sets the password once, within 7 days', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.buyerAdmin);
  const invited = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users`, payload: { email: 'Nouvelle.Agente@Exemple.fr', name: 'Nouvelle Agente', role: 'agent' } });
  t.equal(invited.statusCode, 201);
  const { invitationToken, invitationUrl } = invited.json();
  t.equal(invitationUrl, `http://pass.test/invitation/${invitationToken}`);
  const stored = db.select().from(users).where(eq(users.id, invited.json().id)).get()!;
  t.equal(stored.email, 'nouvelle.agente@exemple.fr', 'e-mails are stored lower-cased');

  const tooShort = await app.inject({ method: 'POST', url: `/api/v1/invitations/${invitationToken}/accept`, payload: { password: 'court' } });
  t.equal(tooShort.statusCode, 400);
  t.equal(tooShort.json().errors[0].path, 'password');

  clock.advance(6 * 24 * 3600_000);
  const accepted = await app.inject({ method: 'POST', url: `/api/v1/invitations/${invitationToken}/accept`, payload: { password: 'une phrase de passe longue' } });
  t.equal(accepted.statusCode, 204);
  const reused = await app.inject({ method: 'POST', url: `/api/v1/invitations/${invitationToken}/accept`, payload: { password: 'une autre phrase de passe' } });
  t.equal(reused.statusCode, 409);
  t.equal(reused.json().code, 'invitation_already_used');
  const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'nouvelle.agente@exemple.fr', password: 'une phrase de passe longue' } });
  t.equal(login.statusCode, 200);
});

t.test('an invitation older than 7 days is refused', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.buyerAdmin);
  const { invitationToken } = (await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users`, payload: { email: 'tard@exemple.fr', name: 'En retard', role: 'agent' } })).json();
  clock.advance(7 * 24 * 3600_000 + 1);
  const res = await app.inject({ method: 'POST', url: `/api/v1/invitations/${invitationToken}/accept`, payload: { password: 'une phrase de passe longue' } });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'invitation_expired');
});

t.test('an admin resets a password by issuing a new invitation; the old link and old sessions stop working', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.buyerAdmin);
  const agentSession = await loginAs(app, world.buyerAgent);
  t.equal((await agentSession.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 200);
  const first = (await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users/${world.buyerAgent.id}/invitations` })).json();
  const second = (await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users/${world.buyerAgent.id}/invitations` })).json();
  const old = await app.inject({ method: 'POST', url: `/api/v1/invitations/${first.invitationToken}/accept`, payload: { password: 'une phrase de passe longue' } });
  t.equal(old.statusCode, 409, 'the earlier link is replaced');
  const ok = await app.inject({ method: 'POST', url: `/api/v1/invitations/${second.invitationToken}/accept`, payload: { password: 'mon nouveau mot de passe' } });
  t.equal(ok.statusCode, 204);
  t.equal((await agentSession.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'sessions opened with the old password are closed');
  const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAgent.email, password: 'mon nouveau mot de passe' } });
  t.equal(login.statusCode, 200);
});

t.test('an e-mail already used, whatever its case, creates no second account, and the answer does not tell', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  const res = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users`, payload: { email: world.buyerAdmin.email.toUpperCase(), name: 'Doublon', role: 'agent' } });
  const fresh = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users`, payload: { email: 'nouvelle@exemple.fr', name: 'Nouvelle', role: 'agent' } });
  t.equal(res.statusCode, fresh.statusCode, 'same status for an existing and a new address');
  t.same(Object.keys(res.json()).sort(), Object.keys(fresh.json()).sort(), 'same shape');
  t.notMatch(res.body, world.buyerAdmin.email, 'the address is not echoed');
  const accounts = db.select().from(users).all().filter((u) => u.email === world.buyerAdmin.email);
  t.equal(accounts.length, 1, 'no second account');
  const dead = await app.inject({ method: 'GET', url: `/api/v1/invitations/${res.json().invitationToken}` });
  t.equal(dead.statusCode, 404, 'the link given for an existing address opens nothing');
});

t.test('important actions are written to the append-only audit log', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  await admin.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'prescriber', name: 'France Services' } });
  const actions = db.select().from(auditLog).all().map((row) => row.action);
  t.ok(actions.includes('session.login'));
  t.ok(actions.includes('organisation.created'));
  t.throws(() => db.$client.prepare('UPDATE audit_log SET action = ?').run('effacé'), /append-only/);
  t.throws(() => db.$client.prepare('DELETE FROM audit_log').run(), /append-only/);
});

t.test('a buyer agent cannot invite users: only admins manage users', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const agent = await loginAs(app, world.buyerAgent);
  const res = await agent.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users`, payload: { email: 'x@exemple.fr', name: 'X', role: 'agent' } });
  t.equal(res.statusCode, 403);
});

t.test('only operator admins create organisations', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const res = await buyer.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'buyer', name: 'Moi aussi', buyerType: 'commune' } });
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'forbidden');
  const anonymous = await app.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'buyer', name: 'Anonyme' } });
  t.equal(anonymous.statusCode, 401);
});

t.test('the finance role is reserved to the operator', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.buyerAdmin);
  const res = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users`, payload: { email: 'compta@exemple.fr', name: 'Compta', role: 'finance' } });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'role_not_allowed');
});
