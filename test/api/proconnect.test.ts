import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { invitations, sessions, users } from '../../db/schema/accounts.ts';
import { securityEvents, userTotp } from '../../db/schema/security.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createPlace, createUser, seedWorld } from '../helpers/fixtures.ts';
import { browseProvider, startTestProvider, TEST_CLIENT, type ProviderAccount } from '../helpers/oidc-provider.ts';
import { createInvitedUser } from '../../server/modules/accounts/accounts.service.ts';
import { loadConfig, ConfigError } from '../../server/config.ts';
import { organisationRecipients } from '../../server/modules/notifications/outbox.repository.ts';

const PUBLIC_URL = 'http://pass.test';
const cookiesOf = (res: { cookies: { name: string; value: string }[] }) => res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

async function setup(t: Test, options: { mfaRequired?: boolean } = {}) {
  const accounts: Record<string, ProviderAccount> = {};
  const provider = await startTestProvider(t, { publicUrl: PUBLIC_URL, accounts });
  const built = await buildTestApp(t, {
    config: {
      publicUrl: PUBLIC_URL,
      mfaRequired: options.mfaRequired ?? false,
      proconnect: {
        issuer: provider.issuer,
        clientId: TEST_CLIENT.id,
        clientSecret: TEST_CLIENT.secret,
        redirectUri: `${PUBLIC_URL}/connexion/proconnect/retour`,
        postLogoutRedirectUri: `${PUBLIC_URL}/connexion/proconnect/deconnexion`,
      },
    },
  });
  const world = await seedWorld(built.db);
  return { ...built, world, accounts, provider };
}

/** Leaves for the provider from `startPath`, signs in there as `sub`, and comes back: the provider's redirect, not yet visited. */
async function goToProvider(app: FastifyInstance, provider: { state: { signInAs: string } }, sub: string, startPath = '/connexion/proconnect?retour=%2Ffinances') {
  const start = await app.inject({ method: 'GET', url: startPath, headers: { accept: 'text/html' } });
  if (start.statusCode !== 303) throw new Error(`no redirect to the provider: ${start.statusCode} ${start.body.slice(0, 500)}`);
  provider.state.signInAs = sub;
  const callbackUrl = await browseProvider(start.headers.location as string, PUBLIC_URL);
  return { authorizeUrl: new URL(start.headers.location as string), callbackPath: callbackUrl.slice(PUBLIC_URL.length), flowCookie: cookiesOf(start) };
}

/** A signed-in browser's cookies with its CSRF secret, and the token read from a page's logout form. */
async function withCsrf(app: FastifyInstance, sessionCookie: string): Promise<{ cookie: string; csrfToken: string }> {
  const page = await app.inject({ method: 'GET', url: '/tableau-de-bord', headers: { accept: 'text/html', cookie: sessionCookie } });
  return { cookie: `${sessionCookie}; ${cookiesOf(page)}`, csrfToken: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
}

const comeBack = (app: FastifyInstance, callbackPath: string, flowCookie: string) =>
  app.inject({ method: 'GET', url: callbackPath, headers: { accept: 'text/html', cookie: flowCookie } });

t.test('a finance officer signs in with ProConnect: session, sub and SIRET kept, no TOTP asked', async (t) => {
  const { app, db, world, accounts, provider } = await setup(t, { mfaRequired: true });
  accounts['sub-finance'] = { email: world.operatorFinance.email.toUpperCase(), email_verified: true, siret: '13002526500013' };
  // TOTP is on for this account: a password sign-in would ask for the code, ProConnect does not.
  db.insert(userTotp).values({ userId: world.operatorFinance.id, secret: 'JBSWY3DPEHPK3PXP', createdAt: '2026-11-01T00:00:00.000Z', confirmedAt: '2026-11-01T00:00:00.000Z', lastUsedStep: null }).run();

  const { authorizeUrl, callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-finance');
  t.equal(authorizeUrl.origin, provider.issuer);
  t.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
  t.ok(authorizeUrl.searchParams.get('state') && authorizeUrl.searchParams.get('nonce'), 'state and nonce');
  t.match(flowCookie, /pn_proconnect=/);

  const back = await comeBack(app, callbackPath, flowCookie);
  t.equal(back.statusCode, 303, back.body.slice(0, 300));
  t.equal(back.headers.location, '/finances', 'back to the page asked for');
  const sessionCookie = back.cookies.find((c) => c.name === 'pn_session');
  t.ok(sessionCookie?.value, 'a session');
  const session = db.select().from(sessions).where(eq(sessions.userId, world.operatorFinance.id)).get()!;
  t.equal(session.authMethod, 'proconnect');
  t.ok(session.idTokenHint, 'the ID token is kept for logout');
  t.ok(session.secondFactorAt, 'ProConnect counts as the second factor');
  const user = db.select().from(users).where(eq(users.id, world.operatorFinance.id)).get()!;
  t.equal(user.proconnectSub, 'sub-finance');
  t.equal(user.proconnectSiret, '13002526500013');

  const { cookie, csrfToken } = await withCsrf(app, `pn_session=${sessionCookie!.value}`);
  const dashboard = await app.inject({ method: 'GET', url: '/tableau-de-bord', headers: { accept: 'text/html', cookie } });
  t.equal(dashboard.statusCode, 200, 'no second-factor step, no enrolment detour');

  // An operator admin without TOTP, where MFA_REQUIRED asks it of password sign-ins, is not sent to enrol.
  accounts['sub-admin'] = { email: world.operatorAdmin.email, email_verified: true };
  const admin = await goToProvider(app, provider, 'sub-admin', '/connexion/proconnect');
  const adminCookie = cookiesOf(await comeBack(app, admin.callbackPath, admin.flowCookie));
  const adminDashboard = await app.inject({ method: 'GET', url: '/tableau-de-bord', headers: { accept: 'text/html', cookie: adminCookie } });
  t.equal(adminDashboard.statusCode, 200, 'no redirect to the enrolment page');

  // Step-up: approving a batch is not asked for TOTP in a ProConnect session, even long after sign-in.
  const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
  t.equal(me.statusCode, 200);
  const approve = await app.inject({ method: 'POST', url: '/api/v1/reimbursement-batches/lot-inexistant/approve', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.not(approve.json().code, 'second_factor_required', 'the ProConnect sign-in stands for the second factor');
  t.ok(db.select().from(securityEvents).all().some((e) => e.kind === 'proconnect.succeeded'));
});

t.test('step-up after the freshness window: TOTP asked in a password session, not in a ProConnect one', async (t) => {
  const { app, db, clock, world, accounts, provider } = await setup(t);
  accounts['sub-finance'] = { email: world.operatorFinance.email, email_verified: true };
  db.insert(userTotp).values({ userId: world.operatorFinance.id, secret: 'JBSWY3DPEHPK3PXP', createdAt: '2026-11-01T00:00:00.000Z', confirmedAt: '2026-11-01T00:00:00.000Z', lastUsedStep: null }).run();
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-finance');
  const back = await comeBack(app, callbackPath, flowCookie);
  clock.advance(60 * 60_000);
  const { cookie, csrfToken } = await withCsrf(app, cookiesOf(back));
  const approve = await app.inject({ method: 'POST', url: '/api/v1/reimbursement-batches/lot-inexistant/approve', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.equal(approve.statusCode, 404, 'reaches the batch (none here) without a TOTP code');
});

t.test('pages do not ask a ProConnect session for a TOTP code before a sensitive action', async (t) => {
  const { app, db, accounts, provider } = await setup(t);
  const place = await createPlace(db, { status: 'labelled' });
  db.insert(userTotp).values({ userId: place.admin.id, secret: 'JBSWY3DPEHPK3PXP', createdAt: '2026-11-01T00:00:00.000Z', confirmedAt: '2026-11-01T00:00:00.000Z', lastUsedStep: null }).run();
  accounts['sub-place'] = { email: place.admin.email, email_verified: true };
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-place', '/connexion/proconnect');
  const cookie = cookiesOf(await comeBack(app, callbackPath, flowCookie));
  const mine = await app.inject({ method: 'GET', url: '/mon-lieu', headers: { accept: 'text/html', cookie } });
  t.equal(mine.statusCode, 200);
  t.match(mine.body, /action="\/mon-lieu\/coordonnees-bancaires"/, 'the bank details form');
  t.notMatch(mine.body, /name="secondFactorCode"/, 'no code field: the ProConnect sign-in stands for it');
});

t.test('a forged state is refused, and no session opens', async (t) => {
  const { app, db, clock, world, accounts, provider } = await setup(t);
  accounts['sub-admin'] = { email: world.operatorAdmin.email, email_verified: true };
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-admin');
  const forged = callbackPath.replace(/state=[^&]+/, 'state=etat-falsifie');
  const back = await comeBack(app, forged, flowCookie);
  t.equal(back.statusCode, 400);
  t.match(back.body, /La connexion avec ProConnect n’a pas abouti/);
  t.notOk(back.cookies.some((c) => c.name === 'pn_session' && c.value));
  t.equal(db.select().from(sessions).all().length, 0);
  const late = await goToProvider(app, provider, 'sub-admin');
  clock.advance(11 * 60_000);
  t.equal((await comeBack(app, late.callbackPath, late.flowCookie)).statusCode, 400, 'the flow cookie lasts ten minutes');
  t.equal(db.select().from(sessions).all().length, 0);
  const noCookie = await comeBack(app, callbackPath, '');
  t.equal(noCookie.statusCode, 400, 'without the flow cookie (another browser: login CSRF) it is refused too');
  t.equal(db.select().from(sessions).all().length, 0);
});

t.test('a code is used once: replaying the answer is refused', async (t) => {
  const { app, db, world, accounts, provider } = await setup(t);
  accounts['sub-admin'] = { email: world.operatorAdmin.email, email_verified: true };
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-admin');
  t.equal((await comeBack(app, callbackPath, flowCookie)).statusCode, 303);
  // Same answer and the same flow cookie (kept by whoever replays it): the provider refuses the code.
  const replay = await comeBack(app, callbackPath, flowCookie);
  t.equal(replay.statusCode, 400);
  t.match(replay.body, /n’a pas abouti/);
  t.equal(db.select().from(sessions).all().length, 1, 'only the first one opened a session');
});

t.test('an unknown e-mail is refused and no account is created', async (t) => {
  const { app, db, accounts, provider } = await setup(t);
  accounts['sub-stranger'] = { email: 'inconnu@administration.gouv.fr', email_verified: true };
  const before = db.select().from(users).all().length;
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-stranger');
  const back = await comeBack(app, callbackPath, flowCookie);
  t.equal(back.statusCode, 403);
  t.match(back.body, /Aucun compte Pass numérique n’est ouvert pour l’adresse inconnu@administration\.gouv\.fr/);
  t.equal(db.select().from(users).all().length, before, 'nothing created');
  t.equal(db.select().from(sessions).all().length, 0);
  t.ok(db.select().from(securityEvents).all().some((e) => e.kind === 'proconnect.refused'));
});

t.test('an unverified e-mail is refused', async (t) => {
  const { app, db, world, accounts, provider } = await setup(t);
  accounts['sub-unverified'] = { email: world.operatorAdmin.email, email_verified: false };
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-unverified');
  const back = await comeBack(app, callbackPath, flowCookie);
  t.equal(back.statusCode, 403);
  t.match(back.body, /adresse e-mail vérifiée/);
  t.equal(db.select().from(sessions).all().length, 0);
});

t.test('a disabled user is refused', async (t) => {
  const { app, db, world, accounts, provider } = await setup(t);
  const disabled = await createUser(db, world.operator, { role: 'finance', disabled: true });
  accounts['sub-disabled'] = { email: disabled.email, email_verified: true };
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-disabled');
  const back = await comeBack(app, callbackPath, flowCookie);
  t.equal(back.statusCode, 403);
  t.match(back.body, /Ce compte est désactivé/);
  t.equal(db.select().from(sessions).all().length, 0);
  t.equal(db.select().from(users).where(eq(users.id, disabled.id)).get()!.proconnectSub, null, 'nothing kept');
});

t.test('an invitation is accepted with ProConnect; a pending one does not sign in by itself', async (t) => {
  const { app, db, clock, world, accounts, provider } = await setup(t);
  const invited = db.transaction((tx) =>
    createInvitedUser(tx, clock, null, { organisationId: world.operator.id, email: 'nouvelle.agente@finances.gouv.fr', name: 'Nouvelle Agente', role: 'finance' }),
  );
  accounts['sub-new'] = { email: 'nouvelle.agente@finances.gouv.fr', email_verified: true, siret: '11000201100044' };
  accounts['sub-other'] = { email: world.operatorAdmin.email, email_verified: true };

  const page = await app.inject({ method: 'GET', url: `/invitation/${invited.token}`, headers: { accept: 'text/html' } });
  t.match(page.body, new RegExp(`action="/invitation/${invited.token}/proconnect"`), 'the invitation page offers ProConnect');

  const pending = await goToProvider(app, provider, 'sub-new');
  const refused = await comeBack(app, pending.callbackPath, pending.flowCookie);
  t.equal(refused.statusCode, 403, 'the login button does not accept an invitation');
  t.match(refused.body, /pas encore activé/);

  const mismatch = await goToProvider(app, provider, 'sub-other', `/invitation/${invited.token}/proconnect`);
  const wrongPerson = await comeBack(app, mismatch.callbackPath, mismatch.flowCookie);
  t.equal(wrongPerson.statusCode, 403);
  t.match(wrongPerson.body, /Cette invitation est adressée à nouvelle\.agente@finances\.gouv\.fr/);

  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-new', `/invitation/${invited.token}/proconnect`);
  const back = await comeBack(app, callbackPath, flowCookie);
  t.equal(back.statusCode, 303, back.body.slice(0, 300));
  t.equal(back.headers.location, '/tableau-de-bord');
  const user = db.select().from(users).where(eq(users.id, invited.userId)).get()!;
  t.equal(user.proconnectSub, 'sub-new');
  t.equal(user.proconnectSiret, '11000201100044');
  t.equal(user.passwordHash, null, 'no password needed');
  t.ok(db.select().from(invitations).where(eq(invitations.userId, invited.userId)).get()!.usedAt, 'the invitation is used up');
  const cookie = cookiesOf(back);
  const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
  t.equal(me.json().user.active, true);
  t.ok(
    organisationRecipients(db, world.operator.id, ['finance'], true).some((r) => r.id === invited.userId),
    'an account in use without password receives the organisation’s messages',
  );

  // From now on the login button signs this person in.
  const again = await goToProvider(app, provider, 'sub-new');
  t.equal((await comeBack(app, again.callbackPath, again.flowCookie)).statusCode, 303);
});

t.test('logout of a ProConnect session ends the provider session too', async (t) => {
  const { app, db, world, accounts, provider } = await setup(t);
  accounts['sub-admin'] = { email: world.operatorAdmin.email, email_verified: true };
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-admin');
  const back = await comeBack(app, callbackPath, flowCookie);
  const { cookie, csrfToken } = await withCsrf(app, cookiesOf(back));
  const idToken = db.select().from(sessions).get()!.idTokenHint!;
  const out = await app.inject({
    method: 'POST',
    url: '/deconnexion',
    headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfToken }).toString(),
  });
  t.equal(out.statusCode, 303);
  const location = new URL(out.headers.location as string);
  t.equal(`${location.origin}${location.pathname}`, `${provider.issuer}/session/end`, 'the provider’s end_session_endpoint');
  t.equal(location.searchParams.get('id_token_hint'), idToken);
  t.equal(location.searchParams.get('post_logout_redirect_uri'), `${PUBLIC_URL}/connexion/proconnect/deconnexion`);
  t.ok(location.searchParams.get('state'));
  t.equal(db.select().from(sessions).all().length, 0, 'our session is over');
  const providerPage = await fetch(location.href);
  t.equal(providerPage.status, 200, 'the provider accepts the request (its logout confirmation)');
  const landing = await app.inject({ method: 'GET', url: '/connexion/proconnect/deconnexion' });
  t.equal(landing.headers.location, '/connexion?message=deconnecte');
});

t.test('the login page shows the ProConnect button only when configured; the return path stays same-origin', async (t) => {
  const { app, accounts, world, provider } = await setup(t);
  const page = await app.inject({ method: 'GET', url: '/connexion', headers: { accept: 'text/html' } });
  t.match(page.body, /class="fr-connect fr-connect--pro"/);
  t.match(page.body, /S’identifier avec<\/span>\s*<span class="fr-connect__brand">ProConnect/);
  t.match(page.body, /Qu’est-ce que ProConnect \?/);
  accounts['sub-admin'] = { email: world.operatorAdmin.email, email_verified: true };
  const { callbackPath, flowCookie } = await goToProvider(app, provider, 'sub-admin', '/connexion/proconnect?retour=%2F%5Cevil.example');
  t.equal((await comeBack(app, callbackPath, flowCookie)).headers.location, '/tableau-de-bord');

  const plain = await buildTestApp(t);
  const without = await plain.app.inject({ method: 'GET', url: '/connexion', headers: { accept: 'text/html' } });
  t.notMatch(without.body, /fr-connect/);
  t.equal((await plain.app.inject({ method: 'GET', url: '/connexion/proconnect' })).statusCode, 404);
});

t.test('a provider out of reach gives a French message, not a server error', async (t) => {
  const closed = await startTestProvider(t, { publicUrl: PUBLIC_URL, accounts: {} });
  const { app } = await buildTestApp(t, {
    config: {
      publicUrl: PUBLIC_URL,
      proconnect: {
        // A port nobody listens on: the provider's address with another port.
        issuer: closed.issuer.replace(/:\d+$/, ':9'),
        clientId: TEST_CLIENT.id,
        clientSecret: TEST_CLIENT.secret,
        redirectUri: `${PUBLIC_URL}/connexion/proconnect/retour`,
        postLogoutRedirectUri: `${PUBLIC_URL}/connexion/proconnect/deconnexion`,
      },
    },
  });
  const start = await app.inject({ method: 'GET', url: '/connexion/proconnect', headers: { accept: 'text/html' } });
  t.equal(start.statusCode, 503);
  t.match(start.body, /ProConnect est momentanément indisponible/);
  t.match(start.body, /name="password"/, 'the password form is still there');
});

t.test('PROCONNECT_* go together, and the issuer must be https (or loopback)', async (t) => {
  const base = { SESSION_SECRET: 'x'.repeat(32), PASS_CODE_SECRET: 'y'.repeat(32), PUBLIC_URL: 'https://pass.example.gouv.fr' };
  t.throws(() => loadConfig({ ...base, PROCONNECT_ISSUER: 'https://auth.example.gouv.fr' }), /PROCONNECT_ISSUER, PROCONNECT_CLIENT_ID et PROCONNECT_CLIENT_SECRET vont ensemble/);
  t.throws(() => loadConfig({ ...base, PROCONNECT_ISSUER: 'http://auth.example.gouv.fr', PROCONNECT_CLIENT_ID: 'a', PROCONNECT_CLIENT_SECRET: 'b' }), ConfigError);
  const config = loadConfig({ ...base, PROCONNECT_ISSUER: 'https://auth.example.gouv.fr/api/v2/', PROCONNECT_CLIENT_ID: 'a', PROCONNECT_CLIENT_SECRET: 'b' });
  t.same(config.proconnect, {
    issuer: 'https://auth.example.gouv.fr/api/v2',
    clientId: 'a',
    clientSecret: 'b',
    redirectUri: 'https://pass.example.gouv.fr/connexion/proconnect/retour',
    postLogoutRedirectUri: 'https://pass.example.gouv.fr/connexion/proconnect/deconnexion',
  });
  t.equal(loadConfig(base).proconnect, undefined);
});
