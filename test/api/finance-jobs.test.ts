import t from 'tap';
import { eq, inArray } from 'drizzle-orm';
import { passes } from '../../db/schema/booklets.ts';
import { creditNotes } from '../../db/schema/credit-notes.ts';
import { jobFileChunks, jobs } from '../../db/schema/jobs.ts';
import { expireOrder } from '../../server/modules/finance/expiry.service.ts';
import { fecExportHandler } from '../../server/modules/finance/fec.job.ts';
import { verifyBalances, verifyChain } from '../../server/modules/finance/ledger.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  // Five orders: five journal entries in 2026, written two per step below.
  const orders = [1, 2, 3, 4, 5].map((n) =>
    createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: n, passesPerBooklet: 2, validFrom: '2026-11-01', validUntil: '2026-12-31' }),
  );
  ctx.app.jobs.register(fecExportHandler(2));
  const finance = await loginAs(ctx.app, world.operatorFinance);
  return { ...ctx, world, orders, finance };
}

t.test('the year’s FEC as a job: progress over the entries, the same bytes as the direct export, kept until downloaded', async (t) => {
  const { app, finance } = await setup(t);
  const res = await finance.inject({ method: 'POST', url: '/api/v1/exports/fec/jobs', payload: { year: 2026 } });
  t.equal(res.statusCode, 202);
  const { jobId } = res.json() as { jobId: string };
  t.match((await finance.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json(), { kind: 'fec_export', status: 'queued', progress: { done: 0, total: 5 } });
  await app.jobs.runUntilIdle();
  const job = (await finance.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  t.match(job, { status: 'done', progress: { done: 5, total: 5 }, result: { year: 2026, entryCount: 5 } });
  const direct = await finance.inject({ method: 'GET', url: '/api/v1/exports/fec?year=2026' });
  const file = await finance.inject({ method: 'GET', url: job.file.url });
  t.equal(file.statusCode, 200);
  t.equal(file.headers['content-type'], 'text/plain; charset=iso-8859-15');
  t.equal(job.file.name, /filename="([^"]+)"/.exec(direct.headers['content-disposition'] as string)![1], 'same file name');
  t.ok(file.rawPayload.equals(direct.rawPayload), 'same bytes as the direct export');
  t.equal(file.rawPayload.toString('latin1').split('\r\n').filter(Boolean).length > 5, true, 'header and lines');
});

t.test('a FEC job taken over after its process died starts its file over: no line twice, none missing', async (t) => {
  const { app, db, clock, finance } = await setup(t);
  const { jobId } = (await finance.inject({ method: 'POST', url: '/api/v1/exports/fec/jobs', payload: { year: 2026 } })).json() as { jobId: string };
  // What kill -9 leaves after one step: running under a dead owner, lease run out, that step's chunk on disk.
  db.update(jobs).set({ status: 'running', leaseOwner: 'dead-process', leaseUntil: new Date(clock.now().getTime() - 1).toISOString(), attempts: 1, progressDone: 2 }).where(eq(jobs.id, jobId)).run();
  db.insert(jobFileChunks).values({ jobId, seq: 1, bytes: Buffer.from('JournalCode\tpartial\r\n') }).run();
  await app.jobs.runUntilIdle();
  t.match(db.select().from(jobs).where(eq(jobs.id, jobId)).get(), { status: 'done', progressDone: 5, attempts: 2 });
  const file = await finance.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/file` });
  const direct = await finance.inject({ method: 'GET', url: '/api/v1/exports/fec?year=2026' });
  t.ok(file.rawPayload.equals(direct.rawPayload), 'the whole file, as the direct export');
});

t.test('the FEC page sends finance to the job page: progress refreshing without JavaScript, then the download', async (t) => {
  const { app, finance } = await setup(t);
  const page = await finance.inject({ method: 'GET', url: '/finances/rapprochement' });
  t.match(page.body, 'action="/finances/fec"');
  const posted = await finance.inject({
    method: 'POST',
    url: '/finances/fec',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(finance.csrfToken)}&year=2026`,
    csrf: false,
  });
  t.equal(posted.statusCode, 303);
  const location = posted.headers.location as string;
  t.match(location, /^\/travaux\/[\w-]+\?retour=%2Ffinances%2Frapprochement$/);
  const running = await finance.inject({ method: 'GET', url: location });
  t.match(running.body, /<progress id="travail-progression"[^>]*max="5" value="0"/);
  t.match(running.body, '<noscript><meta http-equiv="refresh" content="3"></noscript>');
  t.match(running.body, 'href="/finances/rapprochement"');
  await app.jobs.runUntilIdle();
  const done = await finance.inject({ method: 'GET', url: location });
  t.match(done.body, /href="\/api\/v1\/jobs\/[\w-]+\/file"/);
  t.notMatch(done.body, 'http-equiv="refresh"');
  const foreign = await finance.inject({ method: 'GET', url: `${location.split('?')[0]}?retour=${encodeURIComponent('https://ailleurs.test/')}` });
  t.notMatch(foreign.body, 'ailleurs.test', 'the way back is a local path only');
});

t.test('the expiry run started by hand is a job, one order per step, with the result of the direct path; it resumes after a crash', async (t) => {
  const { app, db, clock, orders, world } = await setup(t);
  // Some passes of the third order were used: they stay redeemed.
  const used = db.select({ id: passes.id }).from(passes).where(eq(passes.orderId, orders[2]!.id)).limit(2).all().map((p) => p.id);
  db.update(passes).set({ status: 'redeemed' }).where(inArray(passes.id, used)).run();
  clock.set('2027-02-15T09:00:00Z');
  const finance = await loginAs(app, world.operatorFinance);
  const res = await finance.inject({ method: 'POST', url: '/api/v1/expiry-runs' });
  t.equal(res.statusCode, 202);
  const { jobId } = res.json() as { jobId: string };
  t.match(db.select().from(jobs).where(eq(jobs.id, jobId)).get(), { kind: 'expiry_run', progressTotal: 5 });
  // A first process expired one order in its first step, then died (kill -9) before the next one.
  expireOrder({ db, clock, actor: null, orderId: orders[0]!.id, gracePeriodDays: 31 });
  db.update(jobs)
    .set({ status: 'running', leaseOwner: 'dead-process', leaseUntil: new Date(clock.now().getTime() - 1).toISOString(), attempts: 1, progressDone: 1, result: { orders: 1, passes: 2, creditNotes: ['AV-2027-000001'], failures: [], summary: '' } })
    .where(eq(jobs.id, jobId))
    .run();
  await app.jobs.runUntilIdle();
  const job = (await finance.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  // Direct path, order by order: 2 + 4 + (6 − 2) + 8 + 10 passes expired, one credit note each.
  t.match(job, { status: 'done', progress: { done: 5, total: 5 }, result: { orders: 5, passes: 28, failures: [], summary: '5 commandes en fin de validité, 28 pass expirés' } });
  t.equal(job.result.creditNotes.length, 5);
  t.equal(db.select().from(creditNotes).all().length, 5, 'one credit note per order, none twice');
  t.equal(db.select().from(passes).where(eq(passes.status, 'expired')).all().length, 28);
  t.equal(db.select().from(passes).where(eq(passes.status, 'redeemed')).all().length, 2, 'used passes untouched');
  t.ok(verifyChain(db).ok && verifyBalances(db).ok, 'the journal verifies');
  const again = await finance.inject({ method: 'POST', url: '/api/v1/expiry-runs' });
  await app.jobs.runUntilIdle();
  t.match((await finance.inject({ method: 'GET', url: `/api/v1/jobs/${again.json().jobId}` })).json(), { status: 'done', result: { orders: 0, passes: 0 } }, 'a second run finds nothing to do');
});
