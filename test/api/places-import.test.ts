import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { organisations } from '../../db/schema/accounts.ts';
import { places, placeSites } from '../../db/schema/places.ts';

const MEDNUM = readFileSync(new URL('../fixtures/lieux-mediation-numerique.csv', import.meta.url), 'utf8');
const DATA_INCLUSION = readFileSync(new URL('../fixtures/data-inclusion-lieux.csv', import.meta.url), 'utf8');

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const world = await seedWorld(ctx.db);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const importCsv = (content: string, query = '') =>
    operator.inject({ method: 'POST', url: `/api/v1/places/import${query}`, payload: content, headers: { 'content-type': 'text/csv; charset=utf-8' } });
  return { ...ctx, world, operator, importCsv };
}

t.test('the digital-mediation schema file: places created `applied`, bad rows rejected with their reason', async (t) => {
  const { db, importCsv } = await setup(t);
  const res = await importCsv(MEDNUM);
  t.equal(res.statusCode, 200);
  const report = res.json();
  t.match(report, { format: 'mednum', total: 8, created: 5, updated: 0, unchanged: 0, rejected: 3 });
  const byId = (id: string) => report.rows.filter((r: { id: string }) => r.id === id);
  t.match(byId('mednum-004')[0], { result: 'rejected', reasons: [/SIRET invalide.*12345678901234/] });
  t.match(byId('mednum-006')[0], { result: 'rejected', reasons: [/commune introuvable/] });
  t.match(byId('mednum-003')[1], { result: 'rejected', line: 8, reasons: [/en double.*ligne 4/] });
  t.match(byId('mednum-003')[0], { result: 'created', reasons: [/horaires ignorés/] }, 'bad hours are dropped with a warning, not a rejection');
  t.match(byId('mednum-005')[0], { result: 'created', reasons: [/service inconnu ignoré : Service inventé/] });
  t.match(byId('mednum-007')[0], { result: 'created' }, 'La Poste’s SIRET exception');

  // The two Colomiers rows share a SIRET: one place, two sites.
  const colomiers = db.select().from(organisations).where(eq(organisations.siret, '32400000012348')).all();
  t.equal(colomiers.length, 1);
  const sites = db.select().from(placeSites).where(eq(placeSites.placeId, colomiers[0]!.id)).all();
  t.same(sites.map((s) => s.externalId).sort(), ['mednum-001', 'mednum-002']);
  const main = sites.find((s) => s.externalId === 'mednum-001')!;
  t.same(main.services, ['Aide aux démarches administratives', 'Maîtrise des outils numériques du quotidien'], '`|` separates values');
  t.equal(main.openingHours, 'Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00');
  t.equal(main.free, true);
  const place = db.select().from(places).where(eq(places.organisationId, colomiers[0]!.id)).get()!;
  t.match(place, { status: 'applied', source: 'import', acceptsPassNumerique: true }, 'the APTIC hint of the second row reaches the place');

  const toulouse = db.select().from(placeSites).where(eq(placeSites.externalId, 'mednum-003')).get()!;
  t.same(toulouse.services, ['Loisirs et créations numériques', 'Compréhension du monde numérique'], '`;` separates values too');
  const muret = db.select().from(placeSites).where(eq(placeSites.externalId, 'mednum-005')).get()!;
  t.equal(muret.communeCode, '31395', 'commune found from postcode and name when the INSEE code is missing');
  const rna = db.select().from(places).where(eq(places.organisationId, muret.placeId)).get()!;
  t.equal(rna.pivot, 'W313001234', 'an association without SIRET keeps its RNA');
  t.equal(db.select().from(places).where(eq(places.status, 'labelled')).all().length, 0, 'nothing imported is labelled');
});

t.test('re-importing the same file changes nothing; a changed row updates its site', async (t) => {
  const { db, importCsv } = await setup(t);
  await importCsv(MEDNUM);
  const counts = () => ({ places: db.select().from(places).all().length, sites: db.select().from(placeSites).all().length });
  const before = counts();
  const again = (await importCsv(MEDNUM)).json();
  t.match(again, { created: 0, updated: 0, unchanged: 5, rejected: 3 });
  t.same(counts(), before);
  const edited = MEDNUM.replace('Tu-Th 14:00-17:00', 'Tu-Fr 14:00-18:00');
  const third = (await importCsv(edited)).json();
  t.match(third, { created: 0, updated: 1, unchanged: 4 });
  t.equal(db.select().from(placeSites).where(eq(placeSites.externalId, 'mednum-002')).get()!.openingHours, 'Tu-Fr 14:00-18:00');
  t.same(counts(), before);
});

t.test('the data·inclusion export: `frais = pass-numerique` flags the place, a known SIRET gets a new site', async (t) => {
  const { db, importCsv } = await setup(t);
  await importCsv(MEDNUM);
  const report = (await importCsv(DATA_INCLUSION)).json();
  t.match(report, { format: 'data-inclusion', total: 4, created: 3, rejected: 1 });
  t.match(report.rows.find((r: { id: string }) => r.id === 'di-103'), { result: 'rejected', reasons: ['SIRET ou RNA manquant'] });
  const fablab = db.select().from(placeSites).where(eq(placeSites.externalId, 'di-101')).get()!;
  t.same(fablab.services, ['Loisirs et créations numériques', 'Maîtrise des outils numériques du quotidien'], 'thematiques mapped to the national services');
  t.equal(fablab.free, true);
  t.equal(db.select().from(places).where(eq(places.organisationId, fablab.placeId)).get()!.acceptsPassNumerique, true);
  const annex = db.select().from(placeSites).where(eq(placeSites.externalId, 'di-102')).get()!;
  const mediatheque = db.select().from(placeSites).where(eq(placeSites.externalId, 'mednum-003')).get()!;
  t.equal(annex.placeId, mediatheque.placeId, 'same SIRET, same place');
  t.equal(db.select().from(places).where(eq(places.organisationId, annex.placeId)).get()!.acceptsPassNumerique, false);
  t.match((await importCsv(DATA_INCLUSION)).json(), { created: 0, unchanged: 3, rejected: 1 }, 'idempotent too');
});

t.test('JSON is accepted as well, and an unrecognisable file is refused', async (t) => {
  const { operator, importCsv } = await setup(t);
  const json = await operator.inject({
    method: 'POST',
    url: '/api/v1/places/import',
    payload: [{ id: 'j-1', siret: '77500000098761', nom: 'Fablab', commune: 'Saint-Gaudens', code_postal: '31800', code_insee: '31483', adresse: '3 rue', frais: ['pass-numerique'] }],
  });
  t.equal(json.statusCode, 200);
  t.match(json.json(), { format: 'data-inclusion', created: 1, rows: [{ acceptsPassNumerique: true }] });
  const unknown = await importCsv('foo,bar\n1,2\n');
  t.equal(unknown.statusCode, 400);
  t.equal(unknown.json().code, 'unknown_import_format');
});

t.test('only the operator’s admins import', async (t) => {
  const { app, world } = await setup(t);
  for (const user of [world.operatorFinance, world.placeAdmin, world.buyerAdmin]) {
    const s = await loginAs(app, user);
    const res = await s.inject({ method: 'POST', url: '/api/v1/places/import', payload: MEDNUM, headers: { 'content-type': 'text/csv' } });
    t.equal(res.statusCode, 403);
  }
});

t.test('the import page shows the report', async (t) => {
  const { operator } = await setup(t);
  const page = await operator.inject({ method: 'GET', url: '/lieux/import' });
  t.equal(page.statusCode, 200);
  const res = await operator.inject({ method: 'POST', url: '/lieux/import', payload: { content: MEDNUM } });
  t.equal(res.statusCode, 200);
  t.match(res.body, /8 lignes : <strong>5<\/strong> créées/);
  t.match(res.body, /SIRET invalide \(clé de contrôle\) : 12345678901234/);
});

t.test('`npm run import-places -- file.csv` does the same from the command line', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-import-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = (file: string) =>
    promisify(execFile)(process.execPath, ['--import=tsx', 'scripts/import-places.ts', file], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, DATA_DIR: dataDir, DEMO_DATA: 'false' },
    });
  const first = await run('test/fixtures/lieux-mediation-numerique.csv');
  t.match(first.stdout, /8 lignes : 5 créées, 0 mise à jour, 0 inchangée, 3 rejetées/);
  t.match(first.stdout, /^Import des lieux : 8\/8 \(100 %\)$/m, 'not on a terminal: plain progress lines');
  t.match(first.stdout, /ligne 5 \(mednum-004\) rejetée : SIRET invalide/);
  const second = await run('test/fixtures/lieux-mediation-numerique.csv');
  t.match(second.stdout, /0 créée, 0 mise à jour, 5 inchangées/);
  const missing = await run('test/fixtures/absent.csv').catch((error: { code: number; stderr: string }) => error);
  t.match(missing, { code: 1, stderr: /Fichier illisible/ });
});
