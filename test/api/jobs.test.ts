import t, { type Test } from 'tap';
import { eq, sql } from 'drizzle-orm';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { jobs } from '../../db/schema/jobs.ts';
import { orders } from '../../db/schema/orders.ts';
import { trialBalance, verifyBalances, verifyChain } from '../../server/modules/finance/ledger.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedReference, seedWorld, submitTestOrder, type TestUser } from '../helpers/fixtures.ts';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../server/shared/clock.ts';

function submitted(db: Db, clock: Clock, buyer: TestUser, bookletCount: number, passesPerBooklet = 10) {
  return submitTestOrder(db, clock, buyer, { bookletCount, passesPerBooklet });
}

async function setup(t: Test, asyncApprovalPasses = 1000) {
  const ctx = await buildTestApp(t, { config: { asyncApprovalPasses } });
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  return { ...ctx, world, operator };
}

const counts = (db: Db, orderId: string) => ({
  booklets: db.select({ n: sql<number>`count(*)` }).from(booklets).where(eq(booklets.orderId, orderId)).get()!.n,
  passes: db.select({ n: sql<number>`count(*)` }).from(passes).where(eq(passes.orderId, orderId)).get()!.n,
});

t.test('an order under the threshold is approved and issued in the request (200)', async (t) => {
  const { db, clock, world, operator } = await setup(t);
  const order = submitted(db, clock, world.buyerAdmin, 100);
  const res = await operator.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` });
  t.equal(res.statusCode, 200);
  t.equal(res.json().status, 'approved');
  t.same(counts(db, order.id), { booklets: 100, passes: 1000 });
  t.equal(db.select().from(jobs).all().length, 0, 'no job');
});

t.test('a large order answers 202 with a job that issues its booklets in chunks, visible to the starter only', async (t) => {
  const { app, db, clock, world, operator } = await setup(t);
  const order = submitted(db, clock, world.buyerAdmin, 550);
  const res = await operator.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` });
  t.equal(res.statusCode, 202);
  const { jobId } = res.json() as { jobId: string };
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.status, 'approved', 'approved at once: envelope, invoices and journal entry committed');
  t.same(counts(db, order.id), { booklets: 0, passes: 0 }, 'booklets come from the job');
  const queued = await operator.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` });
  t.same(queued.json(), { id: jobId, kind: 'order_issuance', status: 'queued', progress: { done: 0, total: 550 }, createdAt: queued.json().createdAt, finishedAt: null });

  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).statusCode, 404, 'another organisation’s job is a 404');
  const again = await operator.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` });
  t.equal(again.statusCode, 409, 'approving twice is refused');

  const page = await operator.inject({ method: 'GET', url: `/commandes/${order.id}` });
  t.match(page.body, /Émission des carnets en cours/);
  t.match(page.body, /<progress id="emission-progression" class="pn-progress" max="550" value="0">/);
  t.match(page.body, /<noscript><meta http-equiv="refresh" content="3"><\/noscript>/, 'the page refreshes itself without JavaScript');

  await app.jobs.runUntilIdle();
  const done = (await operator.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  t.match(done, { status: 'done', progress: { done: 550, total: 550 } });
  t.same(counts(db, order.id), { booklets: 550, passes: 5500 }, 'every booklet and pass, exactly once');
  const positions = db.select({ position: booklets.position, serial: booklets.serial }).from(booklets).where(eq(booklets.orderId, order.id)).orderBy(booklets.position).all();
  t.ok(positions.every((b, i) => b.position === i + 1), 'positions 1…550 without gap');
  t.equal(new Set(positions.map((b) => b.serial)).size, 550, 'distinct serials');
  t.ok(trialBalance(db).balanced && verifyBalances(db).ok && verifyChain(db).ok, 'the journal verifies');
  const after = await operator.inject({ method: 'GET', url: `/commandes/${order.id}` });
  t.notMatch(after.body, /Émission des carnets en cours/, 'no progress bar once done');
  t.match(after.body, /550 carnets émis/);
});

t.test('a job whose process died resumes at the first chunk not committed, once its lease has run out', async (t) => {
  const { app, db, clock, world, operator } = await setup(t);
  const order = submitted(db, clock, world.buyerAdmin, 450);
  const { jobId } = (await operator.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` })).json() as { jobId: string };
  // A crash after the first chunk: that chunk's booklets exist, the process (its lease) is gone.
  const { orderIssuanceHandler } = await import('../../server/modules/orders/approval.job.ts');
  const handler = orderIssuanceHandler(app.passCodes);
  const job = db.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
  const first = db.transaction((tx) => handler.step({ tx, job, clock }));
  t.same(first, { done: 200, total: 450, finished: false });
  db.update(jobs).set({ status: 'running', progressDone: 200, leaseOwner: 'dead-process', leaseUntil: new Date(clock.now().getTime() - 1).toISOString() }).where(eq(jobs.id, jobId)).run();
  await app.jobs.runUntilIdle();
  t.match(db.select().from(jobs).where(eq(jobs.id, jobId)).get(), { status: 'done', progressDone: 450, attempts: 1 });
  t.same(counts(db, order.id), { booklets: 450, passes: 4500 }, 'resumed at booklet 201, nothing issued twice');
});
