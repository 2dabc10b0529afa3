import t, { type Test } from 'tap';
import { eq, isNotNull } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, createUser, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { jobs } from '../../db/schema/jobs.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import { payouts, reimbursementLines } from '../../db/schema/reimbursement.ts';
import { reimbursementBatchHandler } from '../../server/modules/finance/reimbursement-batch.job.ts';
import { reconciliationReport } from '../../server/modules/finance/reconciliation.ts';

const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

/**
 * Two places redeem five passes late on 31 October 2026 (Paris); the October batch is asked for
 * half an hour into November, while those redemptions can still be cancelled (24 hours). The job
 * threshold is 1: every batch is built by its job.
 */
async function lateOctober(t: Test) {
  const ctx = await buildTestApp(t, { now: '2026-10-31T20:00:00Z', config: { batchJobThreshold: 1 } });
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5, validFrom: '2026-10-01', territory: { departements: ['31'] }, funded: true });
  const codes: string[] = [];
  for (const booklet of await bookletsOf(ctx.db, order.id)) codes.push(...(await handOutBooklet(ctx.db, booklet.id)));
  const epn = await createPlace(ctx.db, { name: 'Espace numérique Étoile', sites: [{ communeCode: '31395' }] });
  const bib = await createPlace(ctx.db, { name: 'Médiathèque', sites: [{ communeCode: '31069' }] });
  const agents = new Map([
    [epn.organisation.id, await loginAs(ctx.app, epn.agent)],
    [bib.organisation.id, await loginAs(ctx.app, bib.agent)],
  ]);
  for (const code of codes.slice(0, 3)) t.equal((await post(agents.get(epn.organisation.id)!, '/api/v1/redemptions', { code })).statusCode, 201);
  for (const code of codes.slice(3, 5)) t.equal((await post(agents.get(bib.organisation.id)!, '/api/v1/redemptions', { code })).statusCode, 201);
  ctx.clock.set('2026-10-31T23:30:00Z'); // 00:30 on 1 November in Paris: October has ended
  const finance = await loginAs(ctx.app, world.operatorFinance);
  const treasury = await loginAs(ctx.app, await createUser(ctx.db, world.operator, { role: 'finance' }));
  return { ...ctx, world, codes, epn, bib, agents, finance, treasury };
}

/** One step of the batch job, in its own transaction, as the runner does it (one redemption, one place). */
function oneStep(ctx: Awaited<ReturnType<typeof lateOctober>>, jobId: string) {
  const handler = reimbursementBatchHandler({ redemptionsPerStep: 1, placesPerStep: 1 });
  return ctx.db.transaction((tx) => handler.step({ tx, job: tx.select().from(jobs).where(eq(jobs.id, jobId)).get()!, clock: ctx.clock }), { behavior: 'immediate' });
}

t.test('a large batch answers 202 with its job; asking again returns the same job; the batch is building until the job is done', async (t) => {
  const ctx = await lateOctober(t);
  const started = await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' });
  t.equal(started.statusCode, 202, started.body);
  const { jobId } = started.json();
  t.equal(started.headers.location, `/api/v1/jobs/${jobId}`);
  const again = await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' });
  t.equal(again.statusCode, 202);
  t.equal(again.json().jobId, jobId, 'the running job, not a second one');
  t.equal(ctx.db.select().from(jobs).all().length, 1);
  t.match((await ctx.finance.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json(), { kind: 'reimbursement_batch', status: 'queued', progress: { done: 0, total: 5 } });
  const [listed] = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/reimbursement-batches' })).json().items;
  t.match(listed, { period: '2026-10', status: 'building' });

  await ctx.app.jobs.runUntilIdle();
  const job = (await ctx.finance.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
  t.match(job, { status: 'done', progress: { done: 5, total: 5 }, result: { batchId: listed.id, period: '2026-10', totalCents: 5000, payoutCount: 2, lineCount: 5 } });
  const batch = (await ctx.finance.inject({ method: 'GET', url: `/api/v1/reimbursement-batches/${listed.id}` })).json();
  t.match(batch, { status: 'draft', totalCents: 5000, payoutCount: 2, lineCount: 5 });
  const built = await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' });
  t.equal(built.statusCode, 200, 'once built, asking again returns the batch');
  t.equal(built.json().id, listed.id);
  t.equal((await post(ctx.treasury, `/api/v1/reimbursement-batches/${listed.id}/approve`)).statusCode, 200, 'then approvable (by another finance user)');
});

t.test('the builder of a job-built batch cannot approve it either (four eyes)', async (t) => {
  const ctx = await lateOctober(t);
  await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' });
  await ctx.app.jobs.runUntilIdle();
  const [batch] = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/reimbursement-batches' })).json().items;
  const self = await post(ctx.finance, `/api/v1/reimbursement-batches/${batch.id}/approve`);
  t.equal(self.statusCode, 403);
  t.equal(self.json().code, 'four_eyes_required');
});

t.test('a month with nothing to pay is refused before any job starts', async (t) => {
  const ctx = await lateOctober(t);
  const res = await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-06' });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'nothing_to_pay');
  t.equal(ctx.db.select().from(jobs).all().length, 0, 'no job');
  t.equal((await ctx.finance.inject({ method: 'GET', url: '/api/v1/reimbursement-batches' })).json().items.length, 0, 'no batch');
});

t.test('a batch being built cannot be approved, exported nor paid, and its payouts are not on the places’ statements yet', async (t) => {
  const ctx = await lateOctober(t);
  const { jobId } = (await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' })).json();
  // Steps until a first payout exists: the batch is half-built.
  for (let i = 0; i < 10 && ctx.db.select().from(payouts).all().length === 0; i++) oneStep(ctx, jobId);
  const [payout] = ctx.db.select().from(payouts).all();
  t.ok(payout, 'a payout is in the batch');
  const batchId = payout!.batchId;
  const approve = await post(ctx.treasury, `/api/v1/reimbursement-batches/${batchId}/approve`);
  t.equal(approve.statusCode, 409);
  t.equal(approve.json().code, 'batch_being_built');
  const sepa = await ctx.finance.inject({ method: 'GET', url: `/api/v1/reimbursement-batches/${batchId}/sepa.xml` });
  t.equal(sepa.statusCode, 409);
  t.equal(sepa.json().code, 'batch_being_built');
  t.equal((await post(ctx.finance, `/api/v1/reimbursement-batches/${batchId}/paid`, { paidOn: '2026-10-31' })).json().code, 'batch_being_built');
  const placeAdmin = await loginAs(ctx.app, payout!.placeId === ctx.epn.organisation.id ? ctx.epn.admin : ctx.bib.admin);
  t.same((await placeAdmin.inject({ method: 'GET', url: `/api/v1/places/${payout!.placeId}/statements` })).json().items, [], 'no statement yet');
  t.equal((await placeAdmin.inject({ method: 'GET', url: `/api/v1/places/${payout!.placeId}/statements/2026-10.csv` })).statusCode, 404);
  t.same(reconciliationReport(ctx.db).checks.filter((c) => !c.balanced), [], 'a half-built batch still equals its payouts: reconciliation stays green');

  await ctx.app.jobs.runUntilIdle();
  t.equal((await placeAdmin.inject({ method: 'GET', url: `/api/v1/places/${payout!.placeId}/statements` })).json().items.length, 1, 'the statement once the batch is built');
  t.equal((await post(ctx.treasury, `/api/v1/reimbursement-batches/${batchId}/approve`)).statusCode, 200);
});

t.test('during the build: a redemption not yet taken can be cancelled and is not paid, one already taken cannot, one made meanwhile waits for its own month', async (t) => {
  const ctx = await lateOctober(t);
  const { jobId } = (await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' })).json();
  oneStep(ctx, jobId);
  const [taken] = ctx.db.select().from(redemptions).where(isNotNull(redemptions.batchedAt)).all();
  t.ok(taken, 'the first step took one redemption');
  const otherPlace = taken!.placeId === ctx.epn.organisation.id ? ctx.bib.organisation.id : ctx.epn.organisation.id;
  const waiting = ctx.db.select().from(redemptions).where(eq(redemptions.placeId, otherPlace)).get()!;

  const refused = await ctx.agents.get(taken!.placeId)!.inject({ method: 'DELETE', url: `/api/v1/redemptions/${taken!.id}` });
  t.equal(refused.statusCode, 409, 'taken by the batch being built: no longer cancellable');
  t.equal(refused.json().code, 'redemption_in_batch');
  const cancelled = await ctx.agents.get(otherPlace)!.inject({ method: 'DELETE', url: `/api/v1/redemptions/${waiting.id}` });
  t.equal(cancelled.statusCode, 204, 'not taken yet: the place may still cancel it');
  const november = await post(ctx.agents.get(taken!.placeId)!, '/api/v1/redemptions', { code: ctx.codes[7] });
  t.equal(november.statusCode, 201, 'a redemption made while the batch is built');

  await ctx.app.jobs.runUntilIdle();
  const [batch] = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/reimbursement-batches' })).json().items;
  t.match(batch, { status: 'draft', totalCents: 4000, lineCount: 4 }, 'the cancelled redemption is not paid');
  t.notOk(ctx.db.select().from(reimbursementLines).where(eq(reimbursementLines.redemptionId, waiting.id)).get(), 'no line for the cancelled redemption');
  const late = ctx.db.select().from(redemptions).where(eq(redemptions.id, november.json().id)).get()!;
  t.equal(late.period, '2026-11');
  t.equal(late.batchedAt, null, 'November’s redemption waits for the November batch');
  t.same(reconciliationReport(ctx.db, { period: '2026-10' }).checks.filter((c) => !c.balanced), []);
});

t.test('pages: preparing a large batch goes to the job’s progress page; the batches page and the batch show the progress and no approval', async (t) => {
  const ctx = await lateOctober(t);
  const form = await ctx.finance.inject({
    method: 'POST',
    url: '/finances/remboursements',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(ctx.finance.csrfToken)}&period=2026-10`,
  });
  t.equal(form.statusCode, 303);
  const [batchRow] = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/reimbursement-batches' })).json().items;
  const jobId = ctx.db.select().from(jobs).get()!.id;
  t.equal(form.headers.location, `/travaux/${jobId}?retour=${encodeURIComponent(`/finances/remboursements/${batchRow.id}`)}`);
  const progressPage = await ctx.finance.inject({ method: 'GET', url: form.headers.location as string });
  t.equal(progressPage.statusCode, 200);
  t.match(progressPage.body, /Préparation d’un lot de remboursement/);
  const list = await ctx.finance.inject({ method: 'GET', url: '/finances/remboursements' });
  t.match(list.body, /En préparation/);
  t.match(list.body, new RegExp(`data-job-id="${jobId}"`));
  const page = await ctx.finance.inject({ method: 'GET', url: `/finances/remboursements/${batchRow.id}` });
  t.match(page.body, /Préparation en cours/);
  t.match(page.body, /<progress id="lot-progression"/);
  t.notMatch(page.body, /Approuver le lot/);
  t.notMatch(page.body, /sepa\.xml/);

  await ctx.app.jobs.runUntilIdle();
  const done = await ctx.finance.inject({ method: 'GET', url: `/finances/remboursements/${batchRow.id}` });
  t.notMatch(done.body, /Préparation en cours/);
  t.match(done.body, /Approuver le lot/);
  t.match((await ctx.finance.inject({ method: 'GET', url: `/travaux/${jobId}` })).body, /Terminé : lot de 2026-10 prêt à approuver : 2 virements, 5 pass, 50,00/);
});

t.test('a job that failed leaves the batch building, never approvable; asking again starts a new job that completes it without counting anything twice', async (t) => {
  const ctx = await lateOctober(t);
  const { jobId } = (await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' })).json();
  oneStep(ctx, jobId);
  oneStep(ctx, jobId);
  ctx.db.update(jobs).set({ status: 'failed', error: 'arrêt simulé' }).where(eq(jobs.id, jobId)).run();
  const [batch] = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/reimbursement-batches' })).json().items;
  t.equal(batch.status, 'building');
  t.match((await ctx.finance.inject({ method: 'GET', url: `/finances/remboursements/${batch.id}` })).body, /Reprendre la préparation du lot/);
  t.equal((await post(ctx.treasury, `/api/v1/reimbursement-batches/${batch.id}/approve`)).statusCode, 409);
  const restarted = await post(ctx.finance, '/api/v1/reimbursement-batches', { period: '2026-10' });
  t.equal(restarted.statusCode, 202);
  t.not(restarted.json().jobId, jobId, 'a new job');
  await ctx.app.jobs.runUntilIdle();
  t.match((await ctx.finance.inject({ method: 'GET', url: `/api/v1/reimbursement-batches/${batch.id}` })).json(), { status: 'draft', totalCents: 5000, payoutCount: 2, lineCount: 5 });
  t.equal(ctx.db.select().from(reimbursementLines).all().length, 5, 'one line per redemption');
  t.same(reconciliationReport(ctx.db).checks.filter((c) => !c.balanced), []);
});
