import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, currentPage, exportHref } from '../helpers/lists.ts';
import { jobs } from '../../db/schema/jobs.ts';
import { insertJob } from '../../server/modules/jobs/jobs.repository.ts';

const html = { accept: 'text/html' };

/** Rows of the jobs table: the page's first table is the scheduled tasks. */
function jobRows(body: string): string[] {
  const table = /<div class="fr-table" id="table-travaux">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(body)?.[1] ?? '';
  return [...table.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

t.test('background jobs on /exploitation/taches: status and kind filters, sort by date, numbered pages, whole CSV; never another organisation’s', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 9, minute));
  for (let i = 0; i < 52; i++) {
    insertJob(db, { kind: 'print_file', params: {}, total: 10, subject: `lot-${i}`, organisationId: world.operator.id, startedByUserId: world.operatorAdmin.id, now: at(i) });
  }
  const failed = insertJob(db, { kind: 'fec_export', params: {}, total: 4, subject: 'fec-2026', organisationId: world.operator.id, startedByUserId: world.operatorFinance.id, now: at(55) });
  db.update(jobs).set({ status: 'failed', error: 'disque plein', finishedAt: at(56).toISOString() }).where(eq(jobs.id, failed)).run();
  insertJob(db, { kind: 'expiry_run', params: {}, total: 3, subject: 'expiry', organisationId: null, now: at(58) });
  insertJob(db, { kind: 'places_import', params: {}, total: 900, subject: 'import-buyer', organisationId: world.buyer.id, startedByUserId: world.buyerAdmin.id, now: at(59) });

  const operator = await loginAs(app, world.operatorAdmin);
  const first = await operator.inject({ method: 'GET', url: '/exploitation/taches', headers: html });
  t.equal(first.statusCode, 200);
  t.match(first.body, 'Fin de validité des commandes et avoirs', 'the scheduled tasks stay above');
  t.match(first.body, 'Travaux de fond : 54 résultats', 'the operator’s jobs and the service’s');
  t.equal(jobRows(first.body).length, 50, 'fifty a page');
  t.match(jobRows(first.body)[0], 'Fin de validité des commandes échues', 'newest first');
  t.match(jobRows(first.body)[0], 'le service');
  t.match(jobRows(first.body)[1], /Fichier des écritures comptables \(FEC\) Échoué disque plein/);
  const second = await operator.inject({ method: 'GET', url: '/exploitation/taches?page=2', headers: html });
  t.equal(currentPage(second.body), 2);
  t.equal(jobRows(second.body).length, 4);
  for (const page of [first, second]) t.notOk(jobRows(page.body).some((r) => r.includes('Import de lieux')), 'another organisation’s job never shows');
  t.match((await operator.inject({ method: 'GET', url: '/exploitation/taches?type=places_import', headers: html })).body, 'Aucun travail ne correspond');

  const failedOnly = await operator.inject({ method: 'GET', url: '/exploitation/taches?statut=failed', headers: html });
  t.match(failedOnly.body, 'Travaux de fond : 1 résultat');
  t.match(jobRows(failedOnly.body)[0], 'disque plein');
  t.match((await operator.inject({ method: 'GET', url: '/exploitation/taches?type=print_file', headers: html })).body, 'Travaux de fond : 52 résultats');
  const oldest = await operator.inject({ method: 'GET', url: '/exploitation/taches?tri=date&ordre=asc', headers: html });
  t.match(jobRows(oldest.body)[0], /Fichier d’impression[\s\S]*20\/11\/2026 10:00/, 'oldest first, in Paris time');

  const csv = await operator.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], 'text/csv');
  t.equal(csvDataLines(csv.body).length, 54, 'every job, not one page');
  t.notMatch(csv.body, 'Import de lieux');
  t.match(csv.body, /Fichier des écritures comptables \(FEC\);Échoué;0;4;0;[^;]*;Opérateur;2026-11-20 10:55;;2026-11-20 10:56;disque plein/);
  t.equal(csvDataLines((await operator.inject({ method: 'GET', url: exportHref(failedOnly.body)! })).body).length, 1, 'the export follows the filters');

  const finance = await loginAs(app, world.operatorFinance);
  t.equal((await finance.inject({ method: 'GET', url: '/exploitation/taches?format=csv' })).statusCode, 403, 'the export is as closed as the page');
});
