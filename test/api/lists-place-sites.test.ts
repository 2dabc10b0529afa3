import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs, TEST_NOW, type Session } from '../helpers/app.ts';
import { createPlace, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, paginationItems, tableRows } from '../helpers/lists.ts';
import { placeSites } from '../../db/schema/places.ts';
import { newId } from '../../server/shared/secrets.ts';
import type { Db } from '../../db/client.ts';

/** The rows of the sites table itself (the review page has no other table, the place's page neither, but say so). */
const siteRows = (html: string) => tableRows(/<table id="sites-table">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '');

function addSite(db: Db, placeId: string, site: { name: string; address: string; postalCode: string; communeCode: string; active?: boolean }): string {
  const id = newId();
  db.insert(placeSites)
    .values({ id, placeId, ...site, active: site.active ?? true, services: ['Maîtrise des outils numériques du quotidien'], free: false, createdAt: TEST_NOW, updatedAt: TEST_NOW })
    .run();
  return id;
}

/**
 * A network of médiathèques: 55 sites in Toulouse, 3 in Bourg-en-Bresse (one closed), one in Rodez,
 * plus the place's first site in Muret: 60 sites.
 */
async function network(db: Db) {
  const place = await createPlace(db, { name: 'Réseau des médiathèques', sites: [{ name: 'Médiathèque centrale', communeCode: '31395' }] });
  for (let i = 1; i <= 55; i++) {
    addSite(db, place.organisation.id, { name: `Médiathèque de quartier ${String(i).padStart(2, '0')}`, address: `${i} rue des Lilas`, postalCode: '31000', communeCode: '31555' });
  }
  const bourg = ['Bibliothèque Amiot', 'Bibliothèque de la Reyssouze', 'Bibliothèque Vennes'].map((name, i) =>
    addSite(db, place.organisation.id, { name, address: `${i + 1} place Bernard`, postalCode: '01000', communeCode: '01053', active: i !== 2 }),
  );
  addSite(db, place.organisation.id, { name: 'Espace numérique', address: '12 avenue Jean Jaurès', postalCode: '12000', communeCode: '12202' });
  return { ...place, bourg };
}

const form = (s: Session, url: string, fields: Record<string, string>) =>
  s.inject({ method: 'POST', url, payload: new URLSearchParams({ _csrf: s.csrfToken, ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

t.test('a place’s 60 sites: numbered pages of 50, search by name, street, commune or postal code, open/closed, sort, and the whole CSV', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const place = await network(db);
  const admin = await loginAs(app, place.admin);

  const first = await admin.inject({ method: 'GET', url: '/mon-lieu' });
  t.equal(first.statusCode, 200);
  t.match(first.body, 'Vos lieux d’accueil : 60 résultats');
  t.equal(siteRows(first.body).length, 50, '50 a page');
  t.same(paginationItems(first.body), ['1', '2', 'Suivante', 'Dernière page']);
  t.match(siteRows(first.body)[0], /^Bibliothèque Amiot 1 place Bernard 01000 Bourg-en-Bresse \(01053\)/, 'sorted by name, the commune by its name');
  const second = await admin.inject({ method: 'GET', url: '/mon-lieu?page=2' });
  t.equal(currentPage(second.body), 2);
  t.equal(siteRows(second.body).length, 10);

  const byCommune = await admin.inject({ method: 'GET', url: '/mon-lieu?q=Bourg-en-Bresse' });
  t.same(siteRows(byCommune.body).map((r) => r.split(' 1 place')[0]!.split(' 2 place')[0]!.split(' 3 place')[0]), ['Bibliothèque Amiot', 'Bibliothèque de la Reyssouze', 'Bibliothèque Vennes'], 'by the commune’s name');
  t.match(byCommune.body, /<strong>3 résultats<\/strong>/);
  t.equal(siteRows((await admin.inject({ method: 'GET', url: '/mon-lieu?q=01000' })).body).length, 3, 'by postal code');
  t.equal(siteRows((await admin.inject({ method: 'GET', url: `/mon-lieu?q=${encodeURIComponent('Jean Jaurès')}` })).body).length, 1, 'by street');
  const across = await admin.inject({ method: 'GET', url: '/mon-lieu?q=rodez+espace' });
  t.equal(siteRows(across.body).length, 1, 'words across the commune and the name');
  t.match(siteRows(across.body)[0], /^Espace numérique /);
  const twoWords = await admin.inject({ method: 'GET', url: '/mon-lieu?q=quartier+05' });
  t.same(siteRows(twoWords.body).map((r) => r.split(' 5 rue')[0]), ['Médiathèque de quartier 05'], 'every word must match (01053 holds 05, but not quartier)');

  const closed = await admin.inject({ method: 'GET', url: '/mon-lieu?etat=ferme' });
  t.same(siteRows(closed.body).map((r) => r.split(' 3 place')[0]), ['Bibliothèque Vennes'], 'the closed sites');
  t.match((await admin.inject({ method: 'GET', url: '/mon-lieu?etat=ouvert' })).body, 'Vos lieux d’accueil : 59 résultats');

  const byCommuneAsc = await admin.inject({ method: 'GET', url: '/mon-lieu?tri=commune&ordre=asc' });
  t.match(siteRows(byCommuneAsc.body)[0], /^Bibliothèque Amiot .* Bourg-en-Bresse/, 'by commune name: Bourg-en-Bresse first');
  t.match(siteRows(byCommuneAsc.body)[3], /^Médiathèque centrale .* Muret/, 'then Muret');
  t.match(siteRows(byCommuneAsc.body)[4], /^Espace numérique .* Rodez/, 'then Rodez, Toulouse last');
  const byCommuneDesc = await admin.inject({ method: 'GET', url: '/mon-lieu?tri=commune&ordre=desc' });
  t.match(siteRows(byCommuneDesc.body)[0], / Toulouse \(31555\)/, 'Toulouse first the other way');
  t.match(siteRows((await admin.inject({ method: 'GET', url: '/mon-lieu?tri=nom&ordre=desc' })).body)[0], /^Médiathèque de quartier 55 /);

  const csv = await admin.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.equal(csvHeader(csv.body), 'Lieu d’accueil;Adresse;Code postal;Commune;Code INSEE;Horaires;Services;Gratuit;État');
  const lines = csvDataLines(csv.body);
  t.equal(lines.length, 60, 'every site, beyond the page of 50');
  t.equal(new Set(lines.map((l) => l.split(';')[0])).size, 60, 'each once');
  t.ok(lines.includes('Bibliothèque Amiot;1 place Bernard;"=""01000""";Bourg-en-Bresse;"=""01053""";;Maîtrise des outils numériques du quotidien;non;ouvert'), 'postal and INSEE codes kept as text with their zero');
  t.ok(lines.some((l) => l.startsWith('Espace numérique;12 avenue Jean Jaurès;12000;Rodez;12202;')), 'codes without a leading zero stay plain');
  t.same(csvDataLines((await admin.inject({ method: 'GET', url: exportHref(closed.body)! })).body).map((l) => l.split(';')[0]), ['Bibliothèque Vennes'], 'the export keeps the filter');
  t.equal(csvDataLines((await admin.inject({ method: 'GET', url: exportHref(byCommune.body)! })).body).length, 3, 'and the search');

  // The operator reads the same list on the place's review page.
  const operator = await loginAs(app, world.operatorAdmin);
  const review = await operator.inject({ method: 'GET', url: `/lieux/${place.organisation.id}?q=01000&tri=nom&ordre=desc` });
  t.equal(review.statusCode, 200);
  t.match(review.body, 'Lieux d’accueil : 3 résultats');
  t.match(siteRows(review.body)[0], /^Bibliothèque Vennes /);
  t.match(review.body, /Suspendre ce lieu/, 'the review page keeps its decisions');
  const reviewCsv = await operator.inject({ method: 'GET', url: `/lieux/${place.organisation.id}?format=csv` });
  t.equal(csvDataLines(reviewCsv.body).length, 60);
});

t.test('the edit and close actions work on every page of the list; a refused edit of a site on page 2 is shown open with its error', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  await seedWorld(db);
  const place = await network(db);
  const admin = await loginAs(app, place.admin);
  const vennes = place.bourg[2]!;
  const amiot = place.bourg[0]!;

  const firstPage = await admin.inject({ method: 'GET', url: '/mon-lieu' });
  t.match(firstPage.body, 'Modifier « Bibliothèque Amiot »', 'the sites shown can be edited');
  t.notMatch(firstPage.body, 'Modifier « Médiathèque de quartier 55 »', 'those of the next page on the next page');
  const secondPage = await admin.inject({ method: 'GET', url: '/mon-lieu?page=2' });
  t.match(secondPage.body, 'Modifier « Médiathèque de quartier 55 »');

  t.equal((await form(admin, `/mon-lieu/lieux-d-accueil/${vennes}`, { action: 'rouvrir' })).statusCode, 303);
  t.equal(db.select().from(placeSites).where(eq(placeSites.id, vennes)).get()!.active, true, 'reopened');
  t.equal((await form(admin, `/mon-lieu/lieux-d-accueil/${amiot}`, { action: 'fermer' })).statusCode, 303);
  t.equal(db.select().from(placeSites).where(eq(placeSites.id, amiot)).get()!.active, false, 'closed');
  t.same(siteRows((await admin.inject({ method: 'GET', url: '/mon-lieu?etat=ferme' })).body).map((r) => r.split(' 1 place')[0]), ['Bibliothèque Amiot']);

  const last = db.select().from(placeSites).where(eq(placeSites.name, 'Médiathèque de quartier 55')).get()!;
  const refused = await form(admin, `/mon-lieu/lieux-d-accueil/${last.id}`, { action: 'enregistrer', name: '', address: last.address, postalCode: '31000', communeCode: '31555' });
  t.equal(refused.statusCode, 400);
  t.match(refused.body, 'Modifier « Médiathèque de quartier 55 »', 'the refused site is there though the page shows the first 50');
  t.match(refused.body, /<details class="fr-mb-2w" open>\s*<summary>Modifier « Médiathèque de quartier 55 »/, 'open, with its errors');
});

t.test('scope: a place sees its own sites only; another place cannot read one’s sites or their CSV', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const place = await network(db);
  const other = await createPlace(db, { name: 'EPN voisin', sites: [{ name: 'EPN du Capitole', communeCode: '31555' }] });
  const neighbour = await loginAs(app, other.admin);

  const own = await neighbour.inject({ method: 'GET', url: '/mon-lieu?q=biblioth%C3%A8que' });
  t.match(own.body, 'Aucun lieu d’accueil ne correspond à cette recherche.', 'the network’s sites are not in its list');
  const ownCsv = csvDataLines((await neighbour.inject({ method: 'GET', url: '/mon-lieu?format=csv' })).body);
  t.same(ownCsv.map((l) => l.split(';')[0]), ['EPN du Capitole'], 'its CSV holds its own site only');
  const review = await neighbour.inject({ method: 'GET', url: `/lieux/${place.organisation.id}` });
  t.equal(review.statusCode, 403, 'another place’s page is the operator’s');
  const csv = await neighbour.inject({ method: 'GET', url: `/lieux/${place.organisation.id}?format=csv` });
  t.equal(csv.statusCode, 403);
  t.notMatch(csv.body, 'Bibliothèque', 'and so is its CSV');
  const operator = await loginAs(app, world.operatorAdmin);
  t.equal((await operator.inject({ method: 'GET', url: '/lieux/not-a-place' })).statusCode, 404, 'an unknown place is a 404');
  t.equal((await operator.inject({ method: 'GET', url: '/lieux/not-a-place?format=csv' })).statusCode, 404, 'its CSV too');
});
