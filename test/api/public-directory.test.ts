import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { fromSchemaLieuDeMediationNumerique, type SchemaLieuMediationNumerique } from '@gouvfr-anct/lieux-de-mediation-numerique';
import { buildTestApp } from '../helpers/app.ts';
import { createPlace, seedWorld } from '../helpers/fixtures.ts';
import { placeSites } from '../../db/schema/places.ts';
import { parseCsv } from '../../server/modules/places/csv-reader.ts';
import { importPlaces } from '../../server/modules/places/places.import.ts';

interface Item {
  id: string;
  name: string;
  communeName: string;
  distanceKm?: number;
  openNow: boolean | null;
}

const RODEZ = { latitude: 44.3506, longitude: 2.5750 };

/** Labelled places in Aveyron and Haute-Garonne, plus one applied and one suspended that must never show. */
async function directory(t: Test) {
  // A Wednesday, 11:00 in Paris (10:00 UTC in winter).
  const ctx = await buildTestApp(t, { now: '2026-11-25T10:00:00.000Z' });
  await seedWorld(ctx.db);
  const site = (id: string, fields: Partial<typeof placeSites.$inferInsert>) => ctx.db.update(placeSites).set(fields).where(eq(placeSites.id, id)).run();
  const rodez = await createPlace(ctx.db, { name: 'Médiathèque de Rodez', siret: '21120202300019', sites: [{ name: 'Médiathèque de Rodez', communeCode: '12202' }] });
  site(rodez.siteIds[0]!, { postalCode: '12000', latitude: 44.3515, longitude: 2.5728, openingHours: 'Mo-Fr 09:00-12:00,14:00-18:00', phone: '05 65 00 00 00', services: ['Aide aux démarches administratives'] });
  const onet = await createPlace(ctx.db, { name: 'EPN d’Onet', siret: '21120176900018', sites: [{ name: 'EPN d’Onet', communeCode: '12176' }] });
  site(onet.siteIds[0]!, { postalCode: '12850', latitude: 44.3650, longitude: 2.5930, free: true, accessibility: ['Handicaps moteurs'] });
  const millau = await createPlace(ctx.db, { name: 'Fablab de Millau', siret: '21120145400017', sites: [{ name: 'Fablab de Millau', communeCode: '12145' }] });
  site(millau.siteIds[0]!, { postalCode: '12100', latitude: 44.0983, longitude: 3.0778, openingHours: 'Sa 09:00-12:00' });
  const affrique = await createPlace(ctx.db, { name: 'Espace numérique de Saint-Affrique', siret: '21120208100017', sites: [{ name: 'Espace numérique de Saint-Affrique', communeCode: '12208' }] });
  site(affrique.siteIds[0]!, { postalCode: '12400' });
  const toulouse = await createPlace(ctx.db, { name: 'Tiers-lieu de Toulouse', siret: '21310555400017', sites: [{ name: 'Tiers-lieu de Toulouse', communeCode: '31555' }] });
  site(toulouse.siteIds[0]!, { postalCode: '31000', latitude: 43.6045, longitude: 1.4440 });
  await createPlace(ctx.db, { name: 'Candidat de Rodez', status: 'applied', sites: [{ name: 'Candidat de Rodez', communeCode: '12202' }] });
  await createPlace(ctx.db, { name: 'Suspendu de Rodez', status: 'suspended', sites: [{ name: 'Suspendu de Rodez', communeCode: '12202' }] });
  const search = async (query: string) => {
    const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/public/places?${query}` });
    t.equal(res.statusCode, 200, `GET /api/v1/public/places?${query}`);
    return res.json() as { items: Item[]; nextCursor: string | null; reference: { communeName: string } | null };
  };
  return { ...ctx, search, ids: { rodez: rodez.siteIds[0]!, onet: onet.siteIds[0]!, millau: millau.siteIds[0]!, toulouse: toulouse.siteIds[0]! } };
}

const names = (items: Item[]) => items.map((i) => i.name);

t.test('anyone finds the labelled places of a commune, named any way, nearest first, and only labelled ones', async (t) => {
  const { search } = await directory(t);
  for (const q of ['Rodez', 'RODEZ', 'rodez', '12000']) {
    const result = await search(`q=${encodeURIComponent(q)}`);
    t.equal(result.reference?.communeName, 'Rodez', `${q} means Rodez`);
    t.same(names(result.items).slice(0, 2), ['Médiathèque de Rodez', 'EPN d’Onet'], `${q}: the commune first, then its EPCI`);
    t.same(names(result.items).slice(2).sort(), ['Espace numérique de Saint-Affrique', 'Fablab de Millau'], `${q}: then the rest of the département`);
    t.notOk(names(result.items).some((n) => /Candidat|Suspendu|Toulouse/.test(n)), `${q}: no applied, suspended or far-away place`);
  }
  const saint = await search('q=st%20affrique');
  t.equal(saint.items[0]?.name, 'Espace numérique de Saint-Affrique', '"st" reads as "saint"');
  const accents = await search(`q=${encodeURIComponent('mediatheque')}`);
  t.same(names(accents.items), ['Médiathèque de Rodez'], 'a place name, accents ignored');
  t.same((await search('q=99999')).items, [], 'a postal code of no commune finds nothing');
});

t.test('near the visitor’s position, places come by distance, with the distance', async (t) => {
  const { search } = await directory(t);
  const result = await search(`lat=${RODEZ.latitude}&lon=${RODEZ.longitude}`);
  t.same(names(result.items).slice(0, 4), ['Médiathèque de Rodez', 'EPN d’Onet', 'Fablab de Millau', 'Tiers-lieu de Toulouse']);
  const distances = result.items.slice(0, 4).map((i) => i.distanceKm!);
  t.ok(distances.every((d, i) => i === 0 || d >= distances[i - 1]!), 'distances grow');
  t.ok(distances[0]! < 1 && distances[3]! > 100, `plausible distances: ${distances.join(', ')}`);
  t.equal(result.items[4]?.name, 'Espace numérique de Saint-Affrique', 'a place without coordinates comes after those with');
  t.notOk('distanceKm' in result.items[4]!, 'and has no distance');
});

t.test('filters: service, free of charge, accessibility; opening hours say open now; pagination', async (t) => {
  const { search } = await directory(t);
  t.same(names((await search(`q=Rodez&service=${encodeURIComponent('Aide aux démarches administratives')}`)).items), ['Médiathèque de Rodez']);
  t.same(names((await search('q=Rodez&gratuit=true')).items), ['EPN d’Onet']);
  t.same(names((await search(`q=Rodez&accessibilite=${encodeURIComponent('Handicaps moteurs')}`)).items), ['EPN d’Onet']);
  const rodez = (await search('q=Rodez')).items;
  t.equal(rodez.find((i) => i.name === 'Médiathèque de Rodez')?.openNow, true, 'open on a Wednesday at 11:00');
  t.equal(rodez.find((i) => i.name === 'Fablab de Millau')?.openNow, false, 'open only on Saturdays');
  t.equal(rodez.find((i) => i.name === 'EPN d’Onet')?.openNow, null, 'no hours: no claim');
  const first = await search('q=Rodez&limit=3');
  t.equal(first.items.length, 3);
  t.ok(first.nextCursor);
  const second = await search(`q=Rodez&limit=3&cursor=${first.nextCursor}`);
  t.same(names([...first.items, ...second.items]), names(rodez), 'the pages follow each other');
  t.equal(second.nextCursor, null);
});

t.test('the directory never shows a bank detail or an internal status, and its pages are public HTML', async (t) => {
  const { app, ids } = await directory(t);
  const res = await app.inject({ method: 'GET', url: '/api/v1/public/places' });
  t.notMatch(res.body, /FR76|iban|status|contact@lieu\.test|Représentante/i, 'no IBAN, status or applicant contact');
  const html = await app.inject({ method: 'GET', url: '/lieux-labellises?q=12000' });
  t.equal(html.statusCode, 200);
  t.match(html.headers['content-type'], /text\/html/);
  t.match(html.body, /Médiathèque de Rodez/);
  t.match(html.body, /Ouvert maintenant/);
  t.match(html.body, /href="\/lieux\/candidature"/, 'the directory links the application form');
  t.notMatch(html.body, /Suspendu de Rodez/);
  const page = await app.inject({ method: 'GET', url: `/lieux-labellises/${ids.rodez}` });
  t.equal(page.statusCode, 200);
  t.match(page.body, /05 65 00 00 00/);
  t.match(page.body, /Du lundi au vendredi/);
  const home = await app.inject({ method: 'GET', url: '/' });
  t.equal(home.statusCode, 200, 'the home page is public');
  t.match(home.body, /J’ai un pass : où l’utiliser/);
  t.match(home.body, /href="\/lieux\/candidature"/);
  const login = await app.inject({ method: 'GET', url: '/connexion' });
  t.match(login.body, /href="\/lieux\/candidature"/, 'the login page links the application form');
  t.match(login.body, /href="\/lieux\/candidature"[^>]*>Mon lieu veut accepter/, 'so does the footer');
  const unknown = await app.inject({ method: 'GET', url: '/lieux-labellises/nope', headers: { accept: 'text/html' } });
  t.equal(unknown.statusCode, 404);
});

t.test('open data: the national schema’s own model accepts every row, the Pass is marked, and the import reads it back unchanged', async (t) => {
  const { app, db, clock } = await directory(t);
  const csv = await app.inject({ method: 'GET', url: '/api/v1/public/places.csv' });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  const parsed = parseCsv(csv.body);
  t.equal(parsed.separator, ',');
  t.equal(parsed.records.length, 5, 'the five labelled places, not the applied or suspended ones');
  for (const record of parsed.records) {
    const row = Object.fromEntries(Object.entries(record.cells).filter(([, v]) => v !== '')) as unknown as SchemaLieuMediationNumerique;
    t.doesNotThrow(() => fromSchemaLieuDeMediationNumerique({ ...row, ...(row.latitude ? { latitude: Number(row.latitude), longitude: Number(row.longitude) } : {}) }), `row ${record.cells.nom} is valid`);
    t.match(record.cells.frais_a_charge, /Gratuit sous condition/);
    t.match(record.cells.autres_formations_labels, /Pass numérique/);
  }
  const json = await app.inject({ method: 'GET', url: '/api/v1/public/places.json' });
  const rows = json.json() as SchemaLieuMediationNumerique[];
  t.equal(rows.length, 5);
  for (const row of rows) t.doesNotThrow(() => fromSchemaLieuDeMediationNumerique(row));
  const rodez = rows.find((r) => r.nom === 'Médiathèque de Rodez')!;
  t.match(rodez, { code_insee: '12202', code_postal: '12000', latitude: 44.3515, horaires: 'Mo-Fr 09:00-12:00,14:00-18:00', telephone: '05 65 00 00 00' });

  const report = importPlaces({ db, clock, actor: null, content: csv.body });
  t.same(report.rows.filter((r) => r.result !== 'unchanged').map((r) => [r.name, r.result, r.reasons]), [], 'every row unchanged');
  t.same({ created: report.created, updated: report.updated, rejected: report.rejected, unchanged: report.unchanged }, { created: 0, updated: 0, rejected: 0, unchanged: 5 }, 'the import reads the export back unchanged');
  const again = await app.inject({ method: 'GET', url: '/api/v1/public/places.csv' });
  t.equal(again.body, csv.body, 'and the export is the same afterwards');
});
