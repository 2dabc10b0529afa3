import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';

t.test('invalid input gets a 400 problem+json naming each field', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const res = await s.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'banque', name: '', siret: '123' } });
  t.equal(res.statusCode, 400);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  const body = res.json();
  t.equal(body.code, 'validation_failed');
  t.equal(body.status, 400);
  t.ok(body.type && body.title && body.detail);
  const paths = body.errors.map((e: { path: string }) => e.path).sort();
  t.same(paths, ['kind', 'name', 'siret']);
});

t.test('a buyer without a buyer type is refused with the field named', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const res = await s.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'buyer', name: 'Commune' } });
  t.equal(res.statusCode, 400);
  t.same(res.json().errors.map((e: { path: string }) => e.path), ['buyerType']);
});

t.test('malformed JSON is a 400 with a stable code, not a 500', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 'invalid_json');
});

t.test('unknown routes are 404 problem+json for API callers and a French page for browsers', async (t) => {
  const { app } = await buildTestApp(t);
  const api = await app.inject({ method: 'GET', url: '/api/v1/nulle-part' });
  t.equal(api.statusCode, 404);
  t.equal(api.json().code, 'not_found');
  const page = await app.inject({ method: 'GET', url: '/nulle-part', headers: { accept: 'text/html' } });
  t.equal(page.statusCode, 404);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /<html lang="fr"/);
  t.match(page.body, /Introuvable/);
});

t.test('browsers that are not logged in are sent to the login page', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/mon-organisation', headers: { accept: 'text/html' } });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/connexion?retour=%2Fmon-organisation');
});

t.test('an unexpected failure is a 500 without stack trace or SQL', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  db.$client.exec('DROP TABLE api_tokens');
  const res = await s.inject({ method: 'GET', url: '/api/v1/tokens' });
  t.equal(res.statusCode, 500);
  t.equal(res.json().code, 'internal_error');
  t.notMatch(res.body, /api_tokens|SELECT|at .*\.ts/);
});

t.test('health and readiness', async (t) => {
  const { app, db } = await buildTestApp(t);
  t.same((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
  t.same((await app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
  db.$client.exec('DELETE FROM __drizzle_migrations');
  const notReady = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(notReady.statusCode, 503);
});

t.test('the OpenAPI document lists every API route with a summary, tags and error responses', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.equal(doc.openapi, '3.1.0');
  const documented = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { summary?: string; tags?: string[]; responses: Record<string, unknown> }>>)) {
    for (const [method, op] of Object.entries(methods)) {
      documented.add(`${method.toUpperCase()} ${path}`);
      t.ok(op.summary, `${method} ${path} has a summary`);
      t.ok(op.tags?.length, `${method} ${path} has tags`);
      if (path.startsWith('/api/v1/') && path !== '/api/v1/session' && !path.startsWith('/api/v1/invitations')) {
        t.ok(Object.keys(op.responses).some((code) => code.startsWith('4')), `${method} ${path} documents its errors`);
      }
    }
  }
  // Every registered route not hidden on purpose (HTML pages) is in the document.
  const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
  t.ok(app.documentedRoutes.length >= 15);
  for (const route of app.documentedRoutes) {
    t.ok(documented.has(`${route.method} ${toOpenApiPath(route.url)}`), `${route.method} ${route.url} is documented`);
  }
  const ui = await app.inject({ method: 'GET', url: '/api/docs/' });
  t.equal(ui.statusCode, 200);
});

t.test('stylesheets and scripts are served to visitors who are not logged in', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/dsfr/dsfr.min.css', '/static/css/app.css', '/dsfr/dsfr.module.min.js']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, url);
  }
});
