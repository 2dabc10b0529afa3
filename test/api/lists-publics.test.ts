import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, exportHref, tableRows, firstTwoPages } from '../helpers/lists.ts';
import { publicCategories } from '../../db/schema/programs.ts';

const html = { accept: 'text/html' };

t.test('publics: search by label or code, status and priority filters, sort, numbered pages, whole CSV; operator only', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  db.delete(publicCategories).run();
  for (let i = 0; i < 54; i++) {
    db.insert(publicCategories).values({ code: `public_${String(i).padStart(2, '0')}`, label: `Public numéro ${String(i).padStart(2, '0')}`, priority: i < 3, active: i < 50, sortOrder: 100 - i }).run();
  }
  const operator = await loginAs(app, world.operatorAdmin);
  const { first } = await firstTwoPages(t, operator, '/publics', { total: 'Publics : 54 résultats', secondPageRows: 4, headers: html });
  t.match(tableRows(first.body)[0], 'Public numéro 53', 'in the order the order form offers them');
  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/publics?q=public_07', headers: html })).body).length, 1, 'by code');
  t.match((await operator.inject({ method: 'GET', url: '/publics?q=num%C3%A9ro%2013', headers: html })).body, 'Publics : 1 résultat', 'by label');
  t.match((await operator.inject({ method: 'GET', url: '/publics?statut=desactive', headers: html })).body, 'Publics : 4 résultats');
  t.match((await operator.inject({ method: 'GET', url: '/publics?prioritaire=oui', headers: html })).body, 'Publics : 3 résultats');
  const byLabel = await operator.inject({ method: 'GET', url: '/publics?tri=libelle&ordre=asc', headers: html });
  t.match(tableRows(byLabel.body)[0], 'Public numéro 00');
  t.match(first.body, 'Ajouter un public', 'the form stays');

  const csv = await operator.inject({ method: 'GET', url: exportHref(first.body)! });
  t.match(csv.headers['content-type'], 'text/csv');
  t.equal(csvDataLines(csv.body).length, 54, 'every public, not one page');
  t.match(csv.body, 'Public numéro 01;public_01;oui;Actif');
  t.match(csv.body, 'Public numéro 52;public_52;non;Désactivé');
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/publics?format=csv' })).statusCode, 403, 'only the operator');
});
