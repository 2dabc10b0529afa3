import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createProgram, seedWorld, TEST_PROGRAM_PAYER } from '../helpers/fixtures.ts';
import { csvDataLines, exportHref, tableRows, firstTwoPages } from '../helpers/lists.ts';

const html = { accept: 'text/html' };

t.test('programmes: search by name, status and eligible-buyer filters, sort, numbered pages, whole CSV with the payer’s SIRET as text; operator only', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  for (let i = 0; i < 57; i++) {
    createProgram(db, { name: `Programme régional ${String(i).padStart(2, '0')}`, envelopeCents: (i + 1) * 100_000, createdAt: `2026-0${1 + (i % 9)}-01T10:00:00.000Z` });
  }
  createProgram(db, { name: 'Programme clos A', status: 'closed' });
  createProgram(db, { name: 'Programme clos B', status: 'closed' });
  createProgram(db, {
    name: 'Fondation pour l’inclusion',
    eligibleBuyerTypes: ['private'],
    envelopeCents: 900_000_000_00,
    payer: { ...TEST_PROGRAM_PAYER, name: 'Fondation de l’Ain', siret: '00230456700017' },
  });

  const operator = await loginAs(app, world.operatorFinance);
  const { first } = await firstTwoPages(t, operator, '/programmes', { total: 'Programmes : 60 résultats', secondPageRows: 10, headers: html });

  const search = await operator.inject({ method: 'GET', url: '/programmes?q=r%C3%A9gional%2004', headers: html });
  t.equal(tableRows(search.body).length, 1, 'by name');
  t.match(tableRows(search.body)[0], 'Programme régional 04');
  const closed = await operator.inject({ method: 'GET', url: '/programmes?statut=closed', headers: html });
  t.match(closed.body, 'Programmes : 2 résultats');
  t.ok(tableRows(closed.body).every((r) => r.includes('Clôturé')));
  const privateOnly = await operator.inject({ method: 'GET', url: '/programmes?eligible=private', headers: html });
  t.match(privateOnly.body, 'Programmes : 1 résultat');
  t.match(tableRows(privateOnly.body)[0], 'Fondation pour l’inclusion');
  const byEnvelope = await operator.inject({ method: 'GET', url: '/programmes?tri=enveloppe&ordre=desc', headers: html });
  t.match(tableRows(byEnvelope.body)[0], 'Fondation pour l’inclusion', 'the largest envelope first');
  const byName = await operator.inject({ method: 'GET', url: '/programmes?tri=nom&ordre=asc', headers: html });
  t.match(tableRows(byName.body)[0], 'Fondation pour l’inclusion');
  t.match(tableRows(byName.body)[1], 'Programme clos A');

  const csv = await operator.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], 'text/csv');
  t.equal(csvDataLines(csv.body).length, 60, 'every programme, not one page');
  t.match(csv.body, /Fondation pour l’inclusion;50,00;Organisme privé;2026-01-01;2027-12-31;900000000,00;0,00;0,00;900000000,00;;;Fondation de l’Ain;"=""00230456700017""";Ouvert;/);
  t.equal(csvDataLines((await operator.inject({ method: 'GET', url: exportHref(closed.body)! })).body).length, 2, 'the export follows the filters');

  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/programmes', headers: html })).statusCode, 403, 'only the operator lists programmes');
  t.equal((await buyer.inject({ method: 'GET', url: '/programmes?format=csv' })).statusCode, 403, 'nor exports them');
});
