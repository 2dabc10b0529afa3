import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createOrganisation, seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, currentPage, exportHref, tableRows } from '../helpers/lists.ts';

t.test('organisations: search by name, SIRET or commune name, type filter, numbered pages, whole CSV with codes as text; operator only', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  for (let i = 0; i < 60; i++) createOrganisation(db, { kind: 'prescriber', name: `Mission locale ${i}` });
  createOrganisation(db, { kind: 'prescriber', name: 'CCAS de Bourg-en-Bresse', siret: '00230456700017', communeCode: '01053' });
  const operator = await loginAs(app, world.operatorAdmin);
  const first = await operator.inject({ method: 'GET', url: '/organisations' });
  t.equal(first.statusCode, 200);
  t.match(first.body, '66 résultats');
  t.equal(tableRows(first.body).length, 50);
  t.equal(currentPage((await operator.inject({ method: 'GET', url: '/organisations?page=2' })).body), 2);
  const byCommune = await operator.inject({ method: 'GET', url: '/organisations?q=bourg-en-bresse' });
  t.equal(tableRows(byCommune.body).length, 1);
  t.match(tableRows(byCommune.body)[0], 'Bourg-en-Bresse (01053)', 'the commune by its name, the code beside it');
  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/organisations?q=00230456700017' })).body).length, 1, 'by SIRET');
  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/organisations?type=buyer' })).body).length, 2);
  const csv = await operator.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csvDataLines(csv.body).length, 66, 'every organisation');
  t.match(csv.body, 'CCAS de Bourg-en-Bresse;Prescripteur;"=""00230456700017""";Bourg-en-Bresse;"=""01053""";Active;');
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/organisations?q=Mission' })).statusCode, 403, 'only the operator lists organisations');
});
