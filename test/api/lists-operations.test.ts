import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { enqueueMessage } from '../../server/modules/notifications/outbox.ts';
import { csvDataLines, currentPage, exportHref, tableRows } from '../helpers/lists.ts';

t.test('mails: search by recipient or subject, status filter, numbered pages, whole CSV; operator admins only', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  db.transaction((tx) => {
    for (let i = 0; i < 60; i++) enqueueMessage({ tx, clock, template: 'password_changed', to: { email: `personne${i}@exemple.test` }, data: { name: 'P' } });
  });
  const admin = await loginAs(app, world.operatorAdmin);
  const first = await admin.inject({ method: 'GET', url: '/courriels' });
  t.equal(first.statusCode, 200);
  t.match(first.body, '60 résultats');
  t.equal(tableRows(first.body).length, 50);
  t.equal(currentPage((await admin.inject({ method: 'GET', url: '/courriels?page=2' })).body), 2);
  t.equal(tableRows((await admin.inject({ method: 'GET', url: '/courriels?q=personne42@' })).body).length, 1, 'by recipient');
  t.match((await admin.inject({ method: 'GET', url: '/courriels?statut=sent' })).body, 'Aucun résultat');
  const sorted = await admin.inject({ method: 'GET', url: '/courriels?tri=destinataire&ordre=asc' });
  t.match(tableRows(sorted.body)[0], 'personne0@exemple.test');
  const csv = await admin.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csvDataLines(csv.body).length, 60, 'every message, not one page');
  t.match(csvDataLines(csv.body)[0], /;À envoyer;0;2026-11-25 11:00;$/);
  const finance = await loginAs(app, world.operatorFinance);
  t.equal((await finance.inject({ method: 'GET', url: '/courriels?format=csv' })).statusCode, 403, 'the export is as closed as the page');
});
