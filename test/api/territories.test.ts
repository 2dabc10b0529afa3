import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';

// Codes checked against @etalab/decoupage-administratif 6.0.0 (see test/unit/territories.test.ts).
const TOULOUSE = '31555';
const TOULOUSE_METROPOLE = '243100518';

t.test('communes are found by name, accents and case aside', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.prescriberAdmin);
  const res = await s.inject({ method: 'GET', url: '/api/v1/territories/communes?q=toulouse' });
  t.equal(res.statusCode, 200);
  const first = res.json().items[0];
  t.same(first, { code: TOULOUSE, name: 'Toulouse', departement: '31', epci: TOULOUSE_METROPOLE, postalCodes: first.postalCodes });
  t.ok(first.postalCodes.includes('31000'));
  const accents = await s.inject({ method: 'GET', url: `/api/v1/territories/communes?q=${encodeURIComponent('SAINT-ÉTIENNE')}` });
  t.equal(accents.json().items[0].code, '42218');
});

t.test('communes are found by postal code, at most 20 of them', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  const exact = await s.inject({ method: 'GET', url: '/api/v1/territories/communes?q=31600' });
  t.equal(exact.statusCode, 200);
  const codes = exact.json().items.map((c: { code: string }) => c.code);
  t.ok(codes.includes('31395'), 'Muret has postcode 31600');
  t.ok(exact.json().items.every((c: { postalCodes: string[] }) => c.postalCodes.includes('31600')));
  const broad = await s.inject({ method: 'GET', url: '/api/v1/territories/communes?q=31' });
  t.equal(broad.json().items.length, 20);
  t.equal(broad.json().nextCursor, null);
});

t.test('a search needs 2 to 100 characters and a logged-in user', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  for (const q of ['', 'a', 'x'.repeat(101)]) {
    const res = await s.inject({ method: 'GET', url: `/api/v1/territories/communes?q=${q}` });
    t.equal(res.statusCode, 400, `q of ${q.length} characters`);
    t.equal(res.json().errors[0].path, 'querystring.q');
  }
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/territories/communes' })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/territories/communes?q=toulouse' })).statusCode, 401);
});

t.test('a commune is described with its EPCI, département and région', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  const res = await s.inject({ method: 'GET', url: `/api/v1/territories/communes/${TOULOUSE}` });
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    kind: 'communes',
    code: TOULOUSE,
    name: 'Toulouse',
    parents: [
      { kind: 'epcis', code: TOULOUSE_METROPOLE },
      { kind: 'departements', code: '31', name: 'Haute-Garonne' },
      { kind: 'regions', code: '76', name: 'Occitanie' },
    ],
  });
  const arrondissement = (await s.inject({ method: 'GET', url: '/api/v1/territories/communes/75101' })).json();
  t.match(arrondissement.parents[0], { kind: 'communes', code: '75056', name: 'Paris' });
});

t.test('a département and an EPCI are described with their parents', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  const corse = await s.inject({ method: 'GET', url: '/api/v1/territories/departements/2a' });
  t.equal(corse.statusCode, 200);
  t.match(corse.json(), { kind: 'departements', code: '2A', name: 'Corse-du-Sud', parents: [{ kind: 'regions', code: '94' }] });
  const epci = await s.inject({ method: 'GET', url: `/api/v1/territories/epcis/${TOULOUSE_METROPOLE}` });
  t.equal(epci.statusCode, 200);
  t.match(epci.json(), { kind: 'epcis', code: TOULOUSE_METROPOLE, parents: [{ kind: 'departements', code: '31' }, { kind: 'regions', code: '76' }] });
  t.ok(epci.json().communeCount > 30);
});

t.test('an unknown territory is a 404 territory_not_found; an unknown kind is a 400', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  for (const url of ['/api/v1/territories/communes/99999', '/api/v1/territories/departements/20', '/api/v1/territories/epcis/123456789']) {
    const res = await s.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, url);
    t.equal(res.json().code, 'territory_not_found');
  }
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/territories/regions/76' })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/territories/communes/${TOULOUSE}` })).statusCode, 401);
});

t.test('the territory routes are documented in the OpenAPI document', async (t) => {
  const { app } = await buildTestApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  for (const path of ['/api/v1/territories/communes', '/api/v1/territories/{kind}/{code}', '/api/v1/cofinancing-programs', '/api/v1/cofinancing-programs/{id}', '/api/v1/public-categories', '/api/v1/public-categories/{code}']) {
    t.ok(doc.paths[path], `${path} is documented`);
    for (const operation of Object.values(doc.paths[path] ?? {}) as { summary?: string; tags?: string[] }[]) {
      t.ok(operation.summary && operation.tags?.length, `${path} has a summary and tags`);
    }
  }
});
