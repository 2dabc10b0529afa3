import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createPlace, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, paginationItems, tableRows } from '../helpers/lists.ts';
import { organisations } from '../../db/schema/accounts.ts';
import { places } from '../../db/schema/places.ts';
import { newId } from '../../server/shared/secrets.ts';

t.test('places: 1 583 places page by number and export whole; search by name, commune and SIRET; filters', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  // Bulk rows (the list reads the tables, not the review flow): 1 583 places, as in the issue.
  db.transaction((tx) => {
    for (let i = 0; i < 1583; i++) {
      const id = newId();
      const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
      tx.insert(organisations).values({ id, kind: 'place', name: `Lieu importé ${String(i).padStart(4, '0')}`, status: 'active', createdAt: at }).run();
      tx.insert(places).values({ organisationId: id, status: 'applied', source: 'import', contactEmail: 'c@lieu.test', createdAt: at, updatedAt: at }).run();
    }
  });
  await createPlace(db, { name: 'Médiathèque de Rodez', siret: '00230456700017', sites: [{ communeCode: '12202' }] });
  await createPlace(db, { name: 'EPN Bourg', sites: [{ communeCode: '01053', name: 'Espace numérique du centre' }] });

  const operator = await loginAs(app, world.operatorAdmin);
  const first = await operator.inject({ method: 'GET', url: '/lieux' });
  t.equal(first.statusCode, 200);
  t.match(first.body, /1\s585 résultats/);
  t.equal(tableRows(first.body).length, 50);
  t.same(paginationItems(first.body), ['1', '2', '…', '32', 'Suivante', 'Dernière page'], 'numbers with an ellipsis');
  const middle = await operator.inject({ method: 'GET', url: '/lieux?page=10' });
  t.equal(currentPage(middle.body), 10);
  t.same(paginationItems(middle.body), ['Première page', 'Précédente', '1', '…', '9', '10', '11', '…', '32', 'Suivante', 'Dernière page']);

  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/lieux?q=rodez' })).body).length, 1, 'by a word of the name');
  const byCommune = await operator.inject({ method: 'GET', url: '/lieux?q=Bourg-en-Bresse' });
  t.equal(tableRows(byCommune.body).length, 1, 'by the commune’s name');
  t.match(tableRows(byCommune.body)[0], 'EPN Bourg');
  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/lieux?q=00230456700017' })).body).length, 1, 'by SIRET');
  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/lieux?q=centre' })).body).length, 1, 'by a site’s name');
  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/lieux?q=100%25' })).body).length, 0, 'a % typed matches itself');
  const labelled = await operator.inject({ method: 'GET', url: '/lieux?statut=labelled&tri=nom&ordre=asc' });
  t.same(tableRows(labelled.body).map((r) => r.split(' Labellisé')[0]), ['EPN Bourg', 'Médiathèque de Rodez']);
  t.match(tableRows((await operator.inject({ method: 'GET', url: '/lieux?rib=missing&par_page=20' })).body)[0], 'Lieu importé 1582', 'imported places have no RIB');

  const href = exportHref(first.body)!;
  t.match(first.body, /Exporter en CSV \(1\s585 lignes\)/);
  const csv = await operator.inject({ method: 'GET', url: href });
  t.equal(csvDataLines(csv.body).length, 1585, 'every place, beyond the 500 rows of one read');
  t.equal(new Set(csvDataLines(csv.body)).size, 1585, 'each place once');
  t.match(csvHeader(csv.body), 'Nom;SIRET;Statut;Origine;Indice Pass numérique;Lieux d’accueil;Communes;Codes INSEE;Codes postaux;Coordonnées bancaires;Inscrit le');
  const bourg = csvDataLines(csv.body).find((l) => l.startsWith('EPN Bourg'))!;
  t.match(bourg, ';Bourg-en-Bresse;"=""01053""";', 'the commune by name, its INSEE code as text with its zero');
  const rodez = csvDataLines(csv.body).find((l) => l.startsWith('Médiathèque'))!;
  t.match(rodez, /^Médiathèque de Rodez;"=""00230456700017""";Labellisé;.*;Rodez;12202;/, 'SIRET as text; a code without a leading zero stays plain');
  const filtered = await operator.inject({ method: 'GET', url: exportHref(labelled.body)! });
  t.equal(csvDataLines(filtered.body).length, 2, 'the export keeps the filters');

  const placeUser = await loginAs(app, world.placeAdmin);
  t.equal((await placeUser.inject({ method: 'GET', url: '/lieux' })).statusCode, 403, 'only the operator lists places');
});
