import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { jobFileChunks, jobs } from '../../db/schema/jobs.ts';
import { orders } from '../../db/schema/orders.ts';
import { orderPrintFile } from '../../server/modules/booklets/booklets.service.ts';
import { approveOrder } from '../../server/modules/orders/orders.service.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { renderBookletsPdf } from '../../templates/pdf/booklet.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { actorOf, createApprovedOrder, seedReference, seedWorld, submitTestOrder } from '../helpers/fixtures.ts';
import type { Db } from '../../db/client.ts';

const poppler = spawnSync('pdftotext', ['-v']).error === undefined;

/** The text of every page, in order: equal texts mean the same booklets, codes and pages. */
function pdfText(t: { teardown(fn: () => unknown): void }, bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'pn-printjob-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'f.pdf'), bytes);
  const out = spawnSync('pdftotext', ['-layout', join(dir, 'f.pdf'), '-'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout;
}

/** The file the synchronous path streams for this order. */
async function streamed(db: Db, orderId: string): Promise<Buffer> {
  const order = db.select().from(orders).where(eq(orders.id, orderId)).get()!;
  const file = orderPrintFile(db, order, 'http://pass.test', 'bureau');
  const parts: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _e, cb) {
      parts.push(chunk);
      cb();
    },
  });
  await renderBookletsPdf(out, file.booklets, { proofWatermark: false, publicUrl: 'http://pass.test', profile: 'bureau' });
  return Buffer.concat(parts);
}

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  // A small threshold: 3 booklets stream, more are built by a job.
  const ctx = await buildTestApp(t, { config: { printJobBooklets: 3 } });
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  return { ...ctx, world, buyer };
}

t.test('while the issuance job runs, the proof and the print file answer 409 booklets_being_issued, never a partial file', async (t) => {
  const { app, db, clock, world, buyer } = await setup(t);
  const order = submitTestOrder(db, clock, world.buyerAdmin, { bookletCount: 6, passesPerBooklet: 5 });
  approveOrder({ db, clock, actor: actorOf(db, world.operatorAdmin), orderId: order.id, codes: passCodeFactoryFor({ passCodeSecret: 'test-pass-code-secret-0123456789abcdef01234567' } as never), asyncAbovePasses: 10 });
  t.ok(db.select().from(jobs).where(eq(jobs.kind, 'order_issuance')).get(), 'issuance queued as a job');
  for (const url of [`/api/v1/orders/${order.id}/proof.pdf`, `/api/v1/orders/${order.id}/booklets.pdf`]) {
    const res = await buyer.inject({ method: 'GET', url });
    t.equal(res.statusCode, 409, url);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.equal(res.json().code, 'booklets_being_issued');
    t.match(res.json().detail, /^Les carnets de cette commande sont en cours de création/);
  }
  await app.jobs.runUntilIdle();
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/proof.pdf` })).statusCode, 200, 'the proof once the job is done');
});

t.test('a print file over the threshold is built by a job, kept until downloaded, equal to the streamed file; a small one still streams', async (t) => {
  const { app, db, clock, world, buyer } = await setup(t);
  const small = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 3, passesPerBooklet: 2 });
  await buyer.inject({ method: 'POST', url: `/api/v1/orders/${small.id}/proof/accept` });
  const direct = await buyer.inject({ method: 'GET', url: `/api/v1/orders/${small.id}/booklets.pdf` });
  t.equal(direct.statusCode, 200, 'at the threshold: streamed');
  t.equal(direct.headers['content-type'], 'application/pdf');

  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 7, passesPerBooklet: 2 });
  await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` });
  const res = await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets.pdf` });
  t.equal(res.statusCode, 202);
  const { jobId } = res.json() as { jobId: string };
  t.equal(res.headers.location, `/api/v1/jobs/${jobId}`);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets.pdf` })).json().jobId, jobId, 'asking again gives the same job');
  const queued = (await buyer.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  t.match(queued, { kind: 'print_file', status: 'queued', progress: { done: 0, total: 7 } });
  t.notOk(queued.file, 'no file before the end');
  const early = await buyer.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/file` });
  t.equal(early.statusCode, 409);
  t.equal(early.json().code, 'job_not_done');

  await app.jobs.runUntilIdle();
  const done = (await buyer.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  t.match(done, { status: 'done', progress: { done: 7, total: 7 }, file: { name: `carnets-${order.reference}.pdf`, url: `/api/v1/jobs/${jobId}/file` }, result: { bookletCount: 7 } });
  const operator = await loginAs(app, world.operatorAdmin);
  t.equal((await operator.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/file` })).statusCode, 404, 'the buyer’s file is not another organisation’s');
  const own = await operator.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets.pdf` });
  t.equal(own.statusCode, 202);
  t.not(own.json().jobId, jobId, 'the operator gets a job of its own, which it can follow');
  t.equal((await operator.inject({ method: 'GET', url: `/api/v1/jobs/${own.json().jobId}` })).statusCode, 200);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets.pdf` })).json().jobId, jobId, 'the kept file is offered again, not rebuilt');

  const file = await buyer.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/file` });
  t.equal(file.statusCode, 200);
  t.equal(file.headers['content-type'], 'application/pdf');
  t.match(file.headers['content-disposition'], `filename="carnets-${order.reference}.pdf"`);
  t.equal(Number(file.headers['content-length']), file.rawPayload.length);
  t.equal(file.rawPayload.subarray(0, 5).toString(), '%PDF-');
  if (poppler) t.equal(pdfText(t, file.rawPayload), pdfText(t, await streamed(db, order.id)), 'same pages and codes as the streamed file');
  t.ok(db.select().from(jobs).where(eq(jobs.id, jobId)).get()!.downloadedAt, 'the download is recorded');
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/file` })).statusCode, 200, 'downloadable again for a day');
  clock.advance(25 * 3600_000);
  const { builtInTasks } = await import('../../server/modules/operations/operations.tasks.ts');
  await builtInTasks(app).find((task) => task.name === 'purges')!.run();
  const gone = await (await loginAs(app, world.buyerAdmin)).inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/file` });
  t.equal(gone.statusCode, 410, 'purged a day after the first download');
  t.equal(gone.json().code, 'job_file_gone');
});

t.test('a print job whose process died mid-way (lease run out, chunks of that attempt on disk) starts over and gives the whole file', async (t) => {
  const { app, db, clock, world, buyer } = await setup(t);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 5, passesPerBooklet: 2 });
  await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` });
  const { jobId } = (await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets.pdf` })).json() as { jobId: string };
  // What kill -9 leaves: the job running under a dead owner whose lease has passed, half a file written.
  db.update(jobs)
    .set({ status: 'running', leaseOwner: 'dead-process', leaseUntil: new Date(clock.now().getTime() - 1000).toISOString(), attempts: 1, progressDone: 2 })
    .where(eq(jobs.id, jobId))
    .run();
  db.insert(jobFileChunks).values({ jobId, seq: 1, bytes: Buffer.from('%PDF-1.3 half a file') }).run();
  await app.jobs.runUntilIdle();
  const job = db.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
  t.match(job, { status: 'done', progressDone: 5, attempts: 2 });
  const file = await buyer.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/file` });
  t.equal(file.statusCode, 200);
  t.notMatch(file.rawPayload.toString('latin1'), 'half a file', 'the dead attempt’s chunks are gone');
  if (poppler) t.equal(pdfText(t, file.rawPayload), pdfText(t, await streamed(db, order.id)), 'the whole file, as streamed');
});

t.test('the order page offers to prepare a large file, shows its progress (refreshing without JavaScript), then the download', async (t) => {
  const { app, db, clock, world, buyer } = await setup(t);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 4, passesPerBooklet: 2 });
  await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` });
  const page = async () => (await buyer.inject({ method: 'GET', url: `/commandes/${order.id}`, headers: { accept: 'text/html' } })).body;
  const before = await page();
  t.match(before, `action="/commandes/${order.id}/fichier-impression"`, 'a form instead of a streamed link');
  t.notMatch(before, `/api/v1/orders/${order.id}/booklets.pdf"`);
  const posted = await buyer.inject({
    method: 'POST',
    url: `/commandes/${order.id}/fichier-impression`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(buyer.csrfToken)}&profil=bureau`,
    csrf: false,
  });
  t.equal(posted.statusCode, 303);
  const running = await page();
  t.match(running, /<progress id="impression-bureau"[^>]*max="4" value="0"/);
  t.match(running, /<noscript><meta http-equiv="refresh" content="3"><\/noscript>/);
  t.match(running, 'préparation en cours');
  await app.jobs.runUntilIdle();
  const done = await page();
  const jobId = db.select().from(jobs).where(eq(jobs.kind, 'print_file')).get()!.id;
  t.match(done, `href="/api/v1/jobs/${jobId}/file"`);
  t.notMatch(done, 'http-equiv="refresh"', 'no more refreshing once done');
});
