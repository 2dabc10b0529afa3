import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, loginAs, bearer } from '../helpers/app.ts';
import { seedWorld, TEST_PASSWORD } from '../helpers/fixtures.ts';
import { securityEvents } from '../../db/schema/security.ts';
import { reserveIdempotencyKey } from '../../server/shared/idempotency-keys.ts';
import { sha256Hex } from '../../server/shared/secrets.ts';

const session = (app: FastifyInstance, email: string, password: string, options: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password }, ...options });

/** The login page as a browser gets it: its CSRF field and the cookie that goes with it. */
async function loginPage(app: FastifyInstance, query = '') {
  const page = await app.inject({ method: 'GET', url: `/connexion${query}`, headers: { accept: 'text/html' } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const retour = /name="retour" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { page, csrf, retour, cookie };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

t.test('without TRUST_PROXY, a rotating X-Forwarded-For does not escape the per-address throttle', async (t) => {
  const { app, db } = await buildTestApp(t);
  await seedWorld(db);
  const statuses: number[] = [];
  for (let i = 0; i < 31; i++) {
    const res = await session(app, `inconnu${i}@exemple.fr`, 'mauvais mot de passe', {
      remoteAddress: '198.51.100.4',
      headers: { 'x-forwarded-for': `203.0.113.${i}` },
    });
    statuses.push(res.statusCode);
  }
  t.same(statuses.slice(0, 30), Array(30).fill(401));
  t.equal(statuses[30], 429, 'throttled after the same count as without the header');
});

t.test('TRUST_PROXY names the proxies whose X-Forwarded-For counts', async (t) => {
  const { app, db } = await buildTestApp(t, { config: { trustProxy: ['198.51.100.0/24'] } });
  await seedWorld(db);
  let last = 0;
  for (let i = 0; i < 31; i++) {
    const res = await session(app, `inconnu${i}@exemple.fr`, 'mauvais mot de passe', {
      remoteAddress: '198.51.100.4',
      headers: { 'x-forwarded-for': `203.0.113.${i}` },
    });
    last = res.statusCode;
  }
  t.equal(last, 401, 'each client behind the trusted proxy has its own count');
  const spoofed = await app.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: '192.0.2.50', headers: { 'x-forwarded-for': '10.1.1.1' } });
  t.equal(spoofed.statusCode, 401);
});

t.test('after 5 wrong passwords from one address, the right password from another address still works at once', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  for (let i = 0; i < 5; i++) {
    t.equal((await session(app, world.operatorFinance.email, `essai ${i} faux`, { remoteAddress: '192.0.2.66' })).statusCode, 401);
  }
  const owner = await session(app, world.operatorFinance.email, TEST_PASSWORD, { remoteAddress: '198.51.100.20' });
  t.equal(owner.statusCode, 200, 'no lock anyone can trigger');
  // The attacker's address backs off exponentially: 2 s, then 4 s…
  for (let i = 0; i < 5; i++) await session(app, world.operatorFinance.email, `essai ${i} faux`, { remoteAddress: '192.0.2.66' });
  const slowed = await session(app, world.operatorFinance.email, 'encore faux', { remoteAddress: '192.0.2.66' });
  t.equal(slowed.statusCode, 429);
  const first = Number(slowed.headers['retry-after']);
  t.ok(first >= 1 && first <= 2, `first wait ${first}s`);
  clock.advance(first * 1000);
  t.equal((await session(app, world.operatorFinance.email, 'toujours faux', { remoteAddress: '192.0.2.66' })).statusCode, 401);
  const second = Number((await session(app, world.operatorFinance.email, 'x', { remoteAddress: '192.0.2.66' })).headers['retry-after']);
  t.ok(second > first, `the wait doubles (${first}s then ${second}s)`);
  const kinds = db.select().from(securityEvents).all().map((e) => e.kind);
  t.equal(kinds.filter((k) => k === 'login.backoff_notice').length, 1, 'the owner is told once, at the fifth failure');
  t.equal(kinds.filter((k) => k === 'login.failed').length, 6, 'each failure is recorded; refusals during a wait are not failures');
  t.ok(kinds.includes('login.succeeded'));
});

t.test('retour only follows clean same-origin paths; anything else goes to the dashboard, never a 500', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const shown = await loginPage(app, '?retour=' + encodeURIComponent('/\\evil.example'));
  t.equal(shown.retour, '/tableau-de-bord', 'the page does not carry the trick');
  const attempts = ['/\\evil.example', '/\t/evil.example', '//evil.example', 'https://evil.example', '/%2F/evil.example', '/a\r\nSet-Cookie: x=1', '/é', '/\u0100', ' /x'];
  for (const retour of attempts) {
    const { csrf, cookie } = await loginPage(app);
    const res = await app.inject({
      method: 'POST',
      url: '/connexion',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie },
      payload: form({ _csrf: csrf, email: world.buyerAdmin.email, password: TEST_PASSWORD, retour }),
    });
    t.equal(res.statusCode, 303, JSON.stringify(retour));
    t.equal(res.headers.location, '/tableau-de-bord', JSON.stringify(retour));
  }
  const { csrf, cookie } = await loginPage(app);
  const kept = await app.inject({
    method: 'POST',
    url: '/connexion',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie },
    payload: form({ _csrf: csrf, email: world.buyerAdmin.email, password: TEST_PASSWORD, retour: '/commandes?statut=en-attente' }),
  });
  t.equal(kept.headers.location, '/commandes?statut=en-attente', 'a clean path is followed');
});

t.test('the login form carries a CSRF token: a cross-site form cannot sign a browser into another account', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const forged = await app.inject({
    method: 'POST',
    url: '/connexion',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: form({ email: world.buyerAdmin.email, password: TEST_PASSWORD, retour: '/tableau-de-bord' }),
  });
  t.equal(forged.statusCode, 403);
  t.notOk(forged.cookies.some((c) => c.name === 'pn_session' && c.value), 'no session opened');
  t.match(forged.body, /ne vient pas de ce site/);
  t.match(forged.body, new RegExp(`value="${world.buyerAdmin.email}"`), 'the form keeps the address');
  const { csrf } = await loginPage(app);
  const withoutCookie = await app.inject({
    method: 'POST',
    url: '/connexion',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: form({ _csrf: csrf, email: world.buyerAdmin.email, password: TEST_PASSWORD }),
  });
  t.equal(withoutCookie.statusCode, 403, 'a token copied from the page is useless without its cookie');
  const api = await app.inject({
    method: 'POST',
    url: '/api/v1/session',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ email: world.buyerAdmin.email, password: TEST_PASSWORD }),
  });
  t.equal(api.statusCode, 415, 'the API login takes JSON only, which no cross-site form can send');
  t.notOk(api.cookies.some((c) => c.name === 'pn_session'));
});

t.test('a password change ends every session and revokes every API token', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const first = await loginAs(app, world.buyerAdmin);
  const other = await loginAs(app, world.buyerAdmin);
  const token = (await first.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'intégration' } })).json().token;
  t.equal((await bearer(app, token)({ method: 'GET', url: '/api/v1/me' })).statusCode, 200);
  const wrong = await first.inject({ method: 'PUT', url: '/api/v1/me/password', payload: { currentPassword: 'pas le bon', newPassword: 'une toute nouvelle phrase' } });
  t.equal(wrong.statusCode, 422);
  t.equal(wrong.json().code, 'current_password_incorrect');
  const changed = await first.inject({ method: 'PUT', url: '/api/v1/me/password', payload: { currentPassword: TEST_PASSWORD, newPassword: 'une toute nouvelle phrase' } });
  t.equal(changed.statusCode, 204);
  t.equal((await bearer(app, token)({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'the token is revoked');
  t.equal((await other.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'the other session is closed');
  t.equal((await first.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'this session too');
  t.equal((await session(app, world.buyerAdmin.email, 'une toute nouvelle phrase')).statusCode, 200);
});

t.test('a password reset by invitation revokes the API tokens too', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const agent = await loginAs(app, world.buyerAgent);
  const token = (await agent.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'script' } })).json().token;
  const admin = await loginAs(app, world.buyerAdmin);
  const invitation = (await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users/${world.buyerAgent.id}/invitations` })).json();
  const accepted = await app.inject({ method: 'POST', url: `/api/v1/invitations/${invitation.invitationToken}/accept`, payload: { password: 'ma phrase de passe neuve' } });
  t.equal(accepted.statusCode, 204);
  t.equal((await bearer(app, token)({ method: 'GET', url: '/api/v1/me' })).statusCode, 401);
});

t.test('API tokens: created from a session only, with an optional expiry, and their last use shown', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.placeAdmin);
  const created = await admin.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'caisse', expiresInDays: 30 } });
  t.equal(created.statusCode, 201);
  const { token, expiresAt } = created.json();
  t.equal(expiresAt, new Date(clock.now().getTime() + 30 * 86_400_000).toISOString());
  const minted = await bearer(app, token)({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'un autre' } });
  t.equal(minted.statusCode, 403, 'a token cannot mint tokens');
  t.equal(minted.json().code, 'session_required');
  const listed = (await admin.inject({ method: 'GET', url: '/api/v1/tokens' })).json().items;
  t.equal(listed.length, 1);
  t.equal(listed[0].lastUsedAt, clock.now().toISOString(), 'the last use is recorded');
  t.equal(listed[0].expiresAt, expiresAt);
  clock.advance(30 * 86_400_000);
  t.equal((await bearer(app, token)({ method: 'GET', url: '/api/v1/me' })).statusCode, 401, 'an expired token stops working');
});

t.test('passwords: 12 characters, not one character repeated, not a common one; refusals in French', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.buyerAdmin);
  const weak: [string, RegExp][] = [
    ['            ', /espaces/],
    ['aaaaaaaaaaaa', /un seul caractère/],
    ['abcdefghijklm', /suite/],
    ['123456789012', /suite/],
    ['qwerty123456', /plus courants/],
    ['court', /au moins 12/],
  ];
  for (const [password, message] of weak) {
    const invitation = (await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users/${world.buyerAgent.id}/invitations` })).json();
    const res = await app.inject({ method: 'POST', url: `/api/v1/invitations/${invitation.invitationToken}/accept`, payload: { password } });
    t.equal(res.statusCode, 400, JSON.stringify(password));
    t.match(res.json().errors[0].message, message, JSON.stringify(password));
  }
  const change = await admin.inject({ method: 'PUT', url: '/api/v1/me/password', payload: { currentPassword: TEST_PASSWORD, newPassword: 'aaaaaaaaaaaa' } });
  t.equal(change.statusCode, 400, 'the same rules on a change');
});

t.test('an Idempotency-Key left reserved by a request that died is freed after a minute', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const body = {
    bookletCount: 1,
    passesPerBooklet: 10,
    faceValueCents: 1000,
    validFrom: '2026-12-01',
    validUntil: '2027-06-30',
    publics: null,
    territory: null,
  };
  // What a process killed between the reservation and the answer leaves behind.
  reserveIdempotencyKey(db, { actorUserId: world.buyerAdmin.id, route: 'POST /api/v1/orders', key: 'commande-1' }, sha256Hex(JSON.stringify(body)), clock.now());
  const post = () => buyer.inject({ method: 'POST', url: '/api/v1/orders', payload: body, headers: { 'idempotency-key': 'commande-1' } });
  const soon = await post();
  t.equal(soon.statusCode, 409);
  t.equal(soon.json().code, 'idempotency_request_in_progress');
  clock.advance(61_000);
  const retried = await post();
  t.not(retried.statusCode, 409, `the retry runs (${retried.statusCode})`);
  const replay = await post();
  t.equal(replay.headers['idempotent-replayed'], 'true', 'and its answer is kept as usual');
  t.equal(replay.statusCode, retried.statusCode);
});

t.test('POST /finances/paiements with a repeated field or a JSON body is a 400, not a 500', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const finance = await loginAs(app, world.operatorFinance);
  const repeated = await finance.inject({
    method: 'POST',
    url: '/finances/paiements',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(finance.csrfToken)}&invoiceId=a&invoiceId=b`,
  });
  t.equal(repeated.statusCode, 400);
  t.equal(repeated.json().code, 'invalid_form');
  const json = await finance.inject({ method: 'POST', url: '/finances/paiements', payload: { invoiceId: { $ne: 1 }, amount: [1] } });
  t.equal(json.statusCode, 400);
});
