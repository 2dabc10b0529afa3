import t, { type Test } from 'tap';
import fc from 'fast-check';
import type { Db } from '../../db/client.ts';
import { JobRunner } from '../../server/modules/jobs/jobs.runner.ts';
import { reimbursementBatchHandler } from '../../server/modules/finance/reimbursement-batch.job.ts';
import { buildBatch, startBatch } from '../../server/modules/finance/reimbursement.service.ts';
import { reconciliationReport } from '../../server/modules/finance/reconciliation.ts';
import { createTestDb } from '../helpers/test-db.ts';

/**
 * The batch built as a job, in steps as small as one redemption and one place, equals the batch
 * built in one transaction on the same data, line for line and cent for cent: the same lines (same
 * ids, redemptions, amounts, months), the same payouts (place, statement reference, bank details,
 * amount, line count), the same links, the same redemptions taken.
 */

const BUILD_NOW = '2026-11-03T09:00:00Z';
const PERIOD = '2026-10';

type Bank = 'validated' | 'changing' | 'none';
interface Use {
  place: number;
  period: string;
  amountCents: number;
  cancelled: boolean;
  /** Already lined by an earlier batch whose payout the bank rejected: an open line waiting. */
  openLine: boolean;
}
interface World {
  banks: Bank[];
  uses: Use[];
}

/** Raw rows (foreign keys off): the batch reads places, bank details, redemptions and lines only. */
function seed(db: Db, world: World): void {
  const c = db.$client;
  c.pragma('foreign_keys = OFF');
  world.banks.forEach((bank, p) => {
    const id = `place-${p}`;
    c.prepare(`INSERT INTO organisations (id, kind, name, status, created_at) VALUES (?, 'place', ?, 'active', '2026-01-01')`).run(id, `Lieu ${p}`);
    c.prepare(`INSERT INTO places (organisation_id, status, source, created_at, updated_at) VALUES (?, 'labelled', 'application', '2026-01-01', '2026-01-01')`).run(id);
    const account = c.prepare(`INSERT INTO place_bank_accounts (id, place_id, holder, iban, bic, status, submitted_at) VALUES (?, ?, ?, 'FR7630006000011234567890189', 'AGRIFRPP', ?, '2026-01-01')`);
    if (bank !== 'none') account.run(`bank-${p}`, id, `Titulaire ${p}`, 'validated');
    if (bank === 'changing') account.run(`bank-${p}-new`, id, `Nouveau ${p}`, 'pending');
  });
  world.uses.forEach((use, i) => {
    // Ids in an order unrelated to insertion: both builders sort by id within a place.
    const id = `r-${String((i * 7919) % 10007).padStart(5, '0')}-${i}`;
    const cancelled = use.cancelled && !use.openLine;
    c.prepare(
      `INSERT INTO redemptions (id, pass_id, place_id, site_id, amount_cents, redeemed_at, period, status, journal_entry_id, cancelled_at, batched_at)
       VALUES (?, ?, ?, 'site', ?, ?, ?, ?, 'entry', ?, ?)`,
    ).run(id, i + 1, `place-${use.place}`, use.amountCents, `${use.period}-15T10:00:00Z`, use.period, cancelled ? 'cancelled' : 'live', cancelled ? `${use.period}-15T11:00:00Z` : null, use.openLine ? '2026-08-02T09:00:00Z' : null);
    if (use.openLine) {
      c.prepare(`INSERT INTO reimbursement_lines (redemption_id, place_id, amount_cents, period, created_at) VALUES (?, ?, ?, ?, '2026-08-02T09:00:00Z')`).run(id, `place-${use.place}`, use.amountCents, use.period);
    }
  });
  c.pragma('foreign_keys = ON');
}

/** Everything a batch writes, in a comparable form. */
function snapshot(db: Db) {
  const c = db.$client;
  return {
    batches: c.prepare(`SELECT period, status, total_cents, payout_count, line_count FROM reimbursement_batches ORDER BY period`).all(),
    lines: c.prepare(`SELECT id, redemption_id, place_id, amount_cents, period FROM reimbursement_lines ORDER BY id`).all(),
    payouts: c.prepare(`SELECT place_id, reference, bank_account_id, holder, iban, bic, amount_cents, line_count, status FROM payouts ORDER BY place_id`).all(),
    links: c.prepare(`SELECT p.place_id, pl.line_id, pl.active FROM payout_lines pl JOIN payouts p ON p.id = pl.payout_id ORDER BY pl.line_id`).all(),
    taken: c.prepare(`SELECT id, batched_at FROM redemptions ORDER BY id`).all(),
    sequences: c.prepare(`SELECT name, value FROM sequences WHERE name LIKE 'RB-%' ORDER BY name`).all(),
  };
}

function oneTransaction(t: Test, world: World) {
  const { db, clock } = createTestDb(t, { now: BUILD_NOW });
  seed(db, world);
  try {
    buildBatch({ db, clock, actor: null, period: PERIOD });
  } catch (error) {
    return { refused: (error as { code?: string }).code, snapshot: snapshot(db), db };
  }
  return { refused: undefined, snapshot: snapshot(db), db };
}

async function asJob(t: Test, world: World, steps: { redemptionsPerStep: number; placesPerStep: number }) {
  const { db, clock } = createTestDb(t, { now: BUILD_NOW });
  seed(db, world);
  let jobId: string | null;
  try {
    jobId = startBatch({ db, clock, actor: null, period: PERIOD, jobThreshold: 0 }).jobId;
  } catch (error) {
    return { refused: (error as { code?: string }).code, snapshot: snapshot(db), db, steps: 0 };
  }
  let stepCount = 0;
  const handler = reimbursementBatchHandler(steps);
  const runner = new JobRunner({ db, clock });
  runner.register({ kind: handler.kind, step: (input) => (stepCount++, handler.step(input)) });
  await runner.runUntilIdle();
  const job = db.$client.prepare('SELECT status, error, progress_done AS done, progress_total AS total FROM jobs WHERE id = ?').get(jobId) as { status: string; error: string | null; done: number; total: number };
  if (job.status !== 'done') throw new Error(`job ${job.status}: ${job.error}`);
  return { refused: undefined, snapshot: snapshot(db), db, steps: stepCount, job };
}

t.test('a constructed month: several places and months, cancellations, a place waiting for new bank details, a line left open by a rejected payout', async (t) => {
  const world: World = {
    banks: ['validated', 'validated', 'changing', 'none', 'validated'],
    uses: [
      { place: 0, period: '2026-10', amountCents: 1000, cancelled: false, openLine: false },
      { place: 0, period: '2026-10', amountCents: 1000, cancelled: true, openLine: false },
      { place: 0, period: '2026-09', amountCents: 750, cancelled: false, openLine: false },
      { place: 0, period: '2026-11', amountCents: 1000, cancelled: false, openLine: false },
      { place: 1, period: '2026-10', amountCents: 1200, cancelled: false, openLine: false },
      { place: 1, period: '2026-08', amountCents: 500, cancelled: false, openLine: true },
      { place: 1, period: '2026-10', amountCents: 1200, cancelled: false, openLine: false },
      { place: 2, period: '2026-10', amountCents: 900, cancelled: false, openLine: false },
      { place: 3, period: '2026-10', amountCents: 900, cancelled: false, openLine: false },
      { place: 4, period: '2026-07', amountCents: 333, cancelled: false, openLine: true },
      ...Array.from({ length: 9 }, (_, i) => ({ place: 4, period: i % 2 ? '2026-10' : '2026-09', amountCents: 100 + i, cancelled: i === 4, openLine: false })),
    ],
  };
  const once = oneTransaction(t, world);
  const job = await asJob(t, world, { redemptionsPerStep: 2, placesPerStep: 1 });
  t.equal(once.refused, undefined);
  t.ok(job.steps > 5, `${job.steps} steps`);
  t.same(job.snapshot, once.snapshot, 'the same batch, line for line and cent for cent');
  t.match(job.snapshot.batches, [{ period: PERIOD, status: 'draft', payout_count: 3 }], 'three places paid: the changing and the unregistered ones wait');
  t.equal((job.snapshot.batches[0] as { total_cents: number }).total_cents, 1000 + 750 + 1200 + 500 + 1200 + 333 + [0, 1, 2, 3, 5, 6, 7, 8].reduce((s, i) => s + 100 + i, 0));
  t.equal(job.job!.done, job.job!.total, 'progress ends at its total');
  t.same(reconciliationReport(job.db).checks.filter((c) => !c.balanced && c.id.startsWith('batch')), [], 'batch totals equal their payouts');
});

const worlds = fc.record({
  banks: fc.array(fc.constantFrom<Bank>('validated', 'validated', 'validated', 'changing', 'none'), { minLength: 1, maxLength: 5 }),
  uses: fc.array(
    fc.record({
      place: fc.nat(4),
      period: fc.constantFrom('2026-08', '2026-09', '2026-10', '2026-10', '2026-11'),
      amountCents: fc.integer({ min: 1, max: 5000 }),
      cancelled: fc.boolean(),
      openLine: fc.constantFrom(false, false, false, true),
    }),
    { maxLength: 40 },
  ),
});

t.test('property: for any month, the job-built batch equals the one-transaction batch, whatever the step sizes', async (t) => {
  await fc.assert(
    fc.asyncProperty(worlds, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), async (generated, redemptionsPerStep, placesPerStep) => {
      const world = { ...generated, uses: generated.uses.map((u) => ({ ...u, place: u.place % generated.banks.length })) };
      const once = oneTransaction(t, world);
      const job = await asJob(t, world, { redemptionsPerStep, placesPerStep });
      if (once.refused || job.refused) {
        t.equal(job.refused, once.refused, 'refused alike');
        t.equal(once.refused, 'nothing_to_pay');
        return;
      }
      t.same(job.snapshot, once.snapshot);
    }),
    { numRuns: 60 },
  );
});
