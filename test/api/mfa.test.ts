import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { generateSync } from 'otplib';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { seedWorld, TEST_PASSWORD } from '../helpers/fixtures.ts';
import { securityEvents } from '../../db/schema/security.ts';
import type { ManualClock } from '../../server/shared/clock.ts';

const codeAt = (secret: string, clock: ManualClock) => generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = (cookie: string) => ({ 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie });

/** Turns TOTP on through the enrolment page; returns the secret and the ten recovery codes shown. */
async function enrol(t: Test, session: Session, clock: ManualClock) {
  const page = await session.inject({ method: 'GET', url: '/mon-compte/double-authentification', headers: { accept: 'text/html' } });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<img src="data:image\/svg\+xml;base64,/, 'a QR code to scan');
  const secret = /<code class="pn-secret">([^<]+)<\/code>/.exec(page.body)![1]!.replace(/\s+/g, '');
  const wrong = await session.inject({ method: 'POST', url: '/mon-compte/double-authentification', headers: formHeaders(session.cookieHeader), payload: form({ _csrf: session.csrfToken, code: '000000' }) });
  t.equal(wrong.statusCode, 422, 'a wrong first code turns nothing on');
  const done = await session.inject({ method: 'POST', url: '/mon-compte/double-authentification', headers: formHeaders(session.cookieHeader), payload: form({ _csrf: session.csrfToken, code: codeAt(secret, clock) }) });
  t.equal(done.statusCode, 200);
  const recoveryCodes = [...done.body.matchAll(/<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  t.equal(recoveryCodes.length, 10, 'ten recovery codes');
  return { secret, recoveryCodes };
}

async function loginPage(app: FastifyInstance) {
  const page = await app.inject({ method: 'GET', url: '/connexion', headers: { accept: 'text/html' } });
  return { csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!, cookie: page.cookies.map((c) => `${c.name}=${c.value}`).join('; ') };
}

const cookiesOf = (res: { cookies: { name: string; value: string }[] }) => res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

t.test('a finance officer enrols, then signs in with a password and a TOTP code; a code works once', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const { secret } = await enrol(t, await loginAs(app, world.operatorFinance), clock);
  clock.advance(30_000);

  const { csrf, cookie } = await loginPage(app);
  const password = await app.inject({ method: 'POST', url: '/connexion', headers: formHeaders(cookie), payload: form({ _csrf: csrf, email: world.operatorFinance.email, password: TEST_PASSWORD, retour: '/finances' }) });
  t.equal(password.statusCode, 303);
  t.equal(password.headers.location, '/connexion/second-facteur?retour=%2Ffinances');
  t.notOk(password.cookies.some((c) => c.name === 'pn_session'), 'no session with the password alone');
  const stepCookie = `${cookie}; ${cookiesOf(password)}`;
  const step = await app.inject({ method: 'GET', url: '/connexion/second-facteur?retour=%2Ffinances', headers: { accept: 'text/html', cookie: stepCookie } });
  t.equal(step.statusCode, 200);
  t.notMatch(step.body, /name="remember" value="oui" checked/, '“remember this device” is off by default');
  const stepCsrf = /name="_csrf" value="([^"]+)"/.exec(step.body)![1]!;
  const code = codeAt(secret, clock);
  const bad = await app.inject({ method: 'POST', url: '/connexion/second-facteur', headers: formHeaders(stepCookie), payload: form({ _csrf: stepCsrf, code: '123456', retour: '/finances' }) });
  t.equal(bad.statusCode, 403);
  t.match(bad.body, /Code incorrect/);
  const ok = await app.inject({ method: 'POST', url: '/connexion/second-facteur', headers: formHeaders(stepCookie), payload: form({ _csrf: stepCsrf, code, retour: '/finances' }) });
  t.equal(ok.statusCode, 303);
  t.equal(ok.headers.location, '/finances');
  t.ok(ok.cookies.some((c) => c.name === 'pn_session' && c.value), 'signed in');

  const api = (secondFactorCode?: string) => app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.operatorFinance.email, password: TEST_PASSWORD, secondFactorCode } });
  t.equal((await api()).json().code, 'second_factor_required', 'the API asks for the code too');
  t.equal((await api(code)).statusCode, 403, 'the same code cannot be replayed');
  clock.advance(30_000);
  t.equal((await api(codeAt(secret, clock))).statusCode, 200, 'the next code works');
  const kinds = db.select().from(securityEvents).all().map((e) => e.kind);
  for (const kind of ['mfa.enrolled', 'mfa.succeeded', 'mfa.failed']) t.ok(kinds.includes(kind), `${kind} in the security log`);
});

t.test('each recovery code works once', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const { recoveryCodes } = await enrol(t, await loginAs(app, world.operatorAdmin), clock);
  const api = (secondFactorCode: string) => app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.operatorAdmin.email, password: TEST_PASSWORD, secondFactorCode } });
  t.equal((await api(recoveryCodes[0]!.toLowerCase())).statusCode, 200, 'a recovery code replaces the application once');
  t.equal((await api(recoveryCodes[0]!)).statusCode, 403, 'not twice');
  t.equal((await api(recoveryCodes[1]!)).statusCode, 200, 'the others still work');
  t.ok(db.select().from(securityEvents).all().some((e) => e.kind === 'mfa.recovery_code_used'));
});

t.test('approving a batch asks for a fresh second factor', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const { secret } = await enrol(t, await loginAs(app, world.operatorFinance), clock);
  clock.advance(30_000);
  const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.operatorFinance.email, password: TEST_PASSWORD, secondFactorCode: codeAt(secret, clock) } });
  const cookie = cookiesOf(signIn);
  const csrf = signIn.json().csrfToken as string;
  const approve = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/reimbursement-batches/lot-inexistant/approve', headers: { cookie, 'x-csrf-token': csrf, ...headers } });
  t.equal((await approve()).statusCode, 404, 'just after signing in with the code, the second factor is fresh');
  clock.advance(6 * 60_000);
  const stale = await approve();
  t.equal(stale.statusCode, 403);
  t.equal(stale.json().code, 'second_factor_required');
  t.equal((await approve({ 'x-second-factor': '000000' })).json().code, 'second_factor_invalid');
  const fresh = await approve({ 'x-second-factor': codeAt(secret, clock) });
  t.equal(fresh.statusCode, 404, 'with a fresh code the request reaches the batch (none here)');
  t.ok(db.select().from(securityEvents).all().some((e) => e.kind === 'mfa.step_up'));
  // The page form asks for the code in place.
  clock.advance(6 * 60_000);
  const page = await app.inject({
    method: 'POST',
    url: '/finances/remboursements/lot-inexistant/approuver',
    headers: formHeaders(cookie),
    payload: form({ _csrf: csrf, confirmation: 'oui' }),
  });
  t.equal(page.statusCode, 404, 'an unknown batch stays a 404 page');
});

t.test('with MFA_REQUIRED, operator admins and finance officers must enrol before anything else; others are only offered it', async (t) => {
  const { app, db } = await buildTestApp(t, { config: { mfaRequired: true } });
  const world = await seedWorld(db);
  const finance = await loginAs(app, world.operatorFinance);
  const dashboard = await finance.inject({ method: 'GET', url: '/tableau-de-bord', headers: { accept: 'text/html' } });
  t.equal(dashboard.statusCode, 303);
  t.equal(dashboard.headers.location, '/mon-compte/double-authentification?obligatoire=1');
  const api = await finance.inject({ method: 'GET', url: '/api/v1/me' });
  t.equal(api.statusCode, 403);
  t.equal(api.json().code, 'mfa_enrolment_required');
  t.equal((await finance.inject({ method: 'GET', url: '/mon-compte/double-authentification', headers: { accept: 'text/html' } })).statusCode, 200);
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 200, 'a buyer is not forced');
  const offered = await buyer.inject({ method: 'GET', url: '/mon-compte/double-authentification', headers: { accept: 'text/html' } });
  t.match(offered.body, /Activer la double authentification/);
});

t.test('the operator admin reads the security log; nobody else does', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: world.buyerAdmin.email, password: 'pas le bon mot de passe' } });
  const admin = await loginAs(app, world.operatorAdmin);
  const page = await admin.inject({ method: 'GET', url: '/securite/journal', headers: { accept: 'text/html' } });
  t.equal(page.statusCode, 200);
  t.match(page.body, /Échec de connexion/);
  const api = await admin.inject({ method: 'GET', url: '/api/v1/security-events' });
  t.equal(api.statusCode, 200);
  t.ok(api.json().items.some((e: { kind: string }) => e.kind === 'login.failed'));
  const finance = await loginAs(app, world.operatorFinance);
  t.equal((await finance.inject({ method: 'GET', url: '/api/v1/security-events' })).statusCode, 403);
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/securite/journal', headers: { accept: 'text/html' } })).statusCode, 403);
  t.throws(() => db.$client.prepare('UPDATE security_events SET kind = ?').run('effacé'), /append-only/);
  t.throws(() => db.$client.prepare('DELETE FROM security_events').run(), /append-only/);
});
