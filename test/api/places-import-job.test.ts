import t from 'tap';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { claimNextJob, recordProgress } from '../../server/modules/jobs/jobs.repository.ts';
import { placesImportHandler } from '../../server/modules/places/places.import-job.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import type { Db } from '../../db/client.ts';

// 8 rows: rejections, a duplicate of line 4 at line 8, two sites of one place: chunk boundaries fall between them.
const MEDNUM = readFileSync(new URL('../fixtures/lieux-mediation-numerique.csv', import.meta.url), 'utf8');

async function setup(t: Parameters<typeof buildTestApp>[0], asyncImportRows: number) {
  const ctx = await buildTestApp(t, { config: { asyncImportRows } });
  const world = await seedWorld(ctx.db);
  // Two rows per step: four steps for the file.
  ctx.app.jobs.register(placesImportHandler(2));
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const post = () => operator.inject({ method: 'POST', url: '/api/v1/places/import', payload: MEDNUM, headers: { 'content-type': 'text/csv; charset=utf-8' } });
  return { ...ctx, world, operator, post };
}

/** The report without the generated ids, and what the import left in the tables. */
const comparable = (report: { rows: Record<string, unknown>[] } & Record<string, unknown>) => ({
  ...report,
  summary: undefined,
  rows: report.rows.map((r) => ({ ...r, placeId: r.placeId ? 'id' : null, siteId: r.siteId ? 'id' : null })),
});
const tables = (db: Db) =>
  db.all(sql`SELECT p.status, o.name, o.siret, s.commune_code FROM places p JOIN organisations o ON o.id = p.organisation_id JOIN place_sites s ON s.place_id = p.organisation_id ORDER BY o.name, s.commune_code`);

t.test('a places import over the threshold answers 202 and its job gives the report and the rows of the direct import', async (t) => {
  const direct = await setup(t, 1000);
  const sync = await direct.post();
  t.equal(sync.statusCode, 200, 'at or under the threshold: in the request');

  const big = await setup(t, 3);
  const res = await big.post();
  t.equal(res.statusCode, 202);
  const { jobId } = res.json() as { jobId: string };
  t.match((await big.operator.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json(), { kind: 'places_import', status: 'queued', progress: { done: 0, total: 8 } });
  await big.app.jobs.runUntilIdle();
  const job = (await big.operator.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  t.match(job, { status: 'done', progress: { done: 8, total: 8 }, result: { summary: '8 lignes : 5 créées, 0 mise à jour, 0 inchangée, 3 rejetées' } });
  t.same(comparable(job.result), comparable(sync.json()), 'same report, row by row');
  t.same(tables(big.db), tables(direct.db), 'same places and sites');
  const audits = big.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM audit_log WHERE action = 'places.imported'`);
  t.equal(audits[0]!.n, 1, 'one audit record, as for the direct import');
  t.equal(big.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM job_file_chunks`)[0]!.n, 0, 'the row reports of the steps are cleared at the end');
});

t.test('a places import job whose process died after a step resumes at the next row: nothing imported twice, the duplicate still caught', async (t) => {
  const direct = await setup(t, 1000);
  const sync = (await direct.post()).json();
  const { app, db, clock, operator, post } = await setup(t, 3);
  const { jobId } = (await post()).json() as { jobId: string };
  // A first process takes the job, commits one step (rows 1–2, with its own memory), then dies (kill -9).
  const first = placesImportHandler(2);
  db.transaction((tx) => {
    const job = claimNextJob(tx, { owner: 'first-process', now: clock.now(), leaseMs: 30_000, kinds: ['places_import'] })!;
    const step = first.step({ tx, job, clock });
    recordProgress(tx, { jobId, owner: 'first-process', ...step, now: clock.now(), leaseMs: 30_000 });
  });
  clock.advance(31_000); // its lease runs out
  await app.jobs.runUntilIdle();
  const job = (await operator.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  t.match(job, { status: 'done', progress: { done: 8, total: 8 } });
  t.same(comparable(job.result), comparable(sync), 'the same report as one import in one go');
  t.same(tables(db), tables(direct.db), 'the same rows: none twice');
  t.match(job.result.rows.find((r: { line: number }) => r.line === 8), { line: 8, result: 'rejected', reasons: [/en double.*ligne 4/] }, 'the duplicate of a row imported before the crash is still refused');
});

t.test('the import page sends a large file to the job page', async (t) => {
  const { app, operator } = await setup(t, 3);
  const page = await operator.inject({
    method: 'POST',
    url: '/lieux/import',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(operator.csrfToken)}&content=${encodeURIComponent(MEDNUM)}`,
    csrf: false,
  });
  t.equal(page.statusCode, 303);
  t.match(page.headers.location, /^\/travaux\/[\w-]+\?retour=%2Flieux%2Fimport$/);
  await app.jobs.runUntilIdle();
  const done = await operator.inject({ method: 'GET', url: page.headers.location as string });
  t.match(done.body, 'Terminé : 8 lignes : 5 créées');
});
