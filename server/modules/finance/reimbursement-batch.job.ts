import { z } from 'zod';
import { withLock } from '../../../db/locks.ts';
import { formatEuros } from '../../shared/money.ts';
import { countOf } from '../../shared/plural.ts';
import { nothingLeftToPay } from './reimbursement.errors.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { setJobResult } from '../jobs/job-files.repository.ts';
import { jobResultOf } from '../jobs/jobs.repository.ts';
import type { JobHandler } from '../jobs/jobs.runner.ts';
import { bankAccountForNewPayout } from '../places/bank-accounts.repository.ts';
import {
  addPayoutToBatch,
  createPlacePayout,
  deleteEmptyBatch,
  gatherPlaceLines,
  logStatus,
  moveBatchStatus,
  nextPayablePlace,
  payoutTotals,
  requireBatch,
} from './reimbursement.repository.ts';

/**
 * A large reimbursement batch built as a job (startBatch decides, above BATCH_JOB_THRESHOLD).
 *
 * The batch row exists from the start with status `building`: the period is taken (one batch per
 * month), and nothing approves, exports or pays a batch in that status. The job walks the places
 * that can be paid in id order; each step, one short transaction under the `reimbursement-batch`
 * lock, takes at most REDEMPTIONS_PER_STEP redemptions (a line each, `batched_at` set in the same
 * transaction) and, for each place whose redemptions are all taken, creates its payout (open lines
 * summed, bank details copied, linked and re-checked) and adds it to the batch's running totals,
 * so that the batch always equals its payouts. The last step moves the batch to `draft`.
 *
 * What `batched_at` means while the job runs: the redemption is taken by the batch being built. A
 * redemption cancelled before its place's turn is no longer live and is never taken; once taken it
 * can no longer be cancelled (409 redemption_in_batch), exactly as after a one-transaction build.
 * New redemptions belong to the current month, never to a closed period.
 *
 * Resuming: the position (the last place done, the place in progress) is kept in the job's result,
 * committed with each step; but every step also works from the database alone: the redemptions
 * still waiting, the lines still open, the payout a place already has in the batch. A job killed
 * mid-way loses the step it was in (rolled back by SQLite), and a job started afresh for a batch
 * left `building` (its first job failed) walks the places again and only does what is left.
 *
 * If everything it would pay went away meanwhile (bank details changed, redemptions cancelled, an
 * overlapping batch built at once), the empty batch is removed and the job fails with nothing_to_pay.
 */
export const REIMBURSEMENT_BATCH_JOB = 'reimbursement_batch';
const REDEMPTIONS_PER_STEP = 2000;
/**
 * Places visited per step, whatever they hold: each costs a dozen statements (its payout, links and
 * re-check), so a national month (2 000 places of a few hundred redemptions) is bounded by places,
 * not redemptions. Measured on a loaded 2-core machine (scripts/bench.ts, BENCH_ONLY=batch): 50
 * places per step took about 0.8 s a step.
 */
const PLACES_PER_STEP = 20;

const batchJobParams = z.object({ batchId: z.string(), period: z.string(), at: z.string() });
export type BatchJobParams = z.infer<typeof batchJobParams>;

/** Where the job is, committed with each step. */
interface Position {
  /** Places up to this id are done (payout created or nothing to pay). */
  after: string;
  /** The place whose redemptions are being taken, and how many of them are taken so far. */
  current: string | null;
  taken: number;
  /** The batch turned out empty and was removed: the next step fails the job. */
  emptied?: boolean;
}

export interface BatchJobResult extends Record<string, unknown> {
  batchId: string;
  period: string;
  totalCents: number;
  payoutCount: number;
  lineCount: number;
  summary: string;
}

export function describeBatch(b: { payoutCount: number; lineCount: number; totalCents: number }): string {
  return `${countOf(b.payoutCount, 'virement')}, ${countOf(b.lineCount, 'pass', 'pass')}, ${formatEuros(b.totalCents)}`;
}

export function reimbursementBatchHandler(options: { redemptionsPerStep?: number; placesPerStep?: number } = {}): JobHandler {
  const { redemptionsPerStep = REDEMPTIONS_PER_STEP, placesPerStep = PLACES_PER_STEP } = options;
  return {
    kind: REIMBURSEMENT_BATCH_JOB,
    step({ tx, job, clock }) {
      const { batchId, period, at } = batchJobParams.parse(job.params);
      const stored = jobResultOf(tx, job.id) as { position?: Position } | null;
      const position: Position = stored?.position ?? { after: '', current: null, taken: 0 };
      if (position.emptied) throw nothingLeftToPay(period);

      return withLock('reimbursement-batch', tx, () => {
        const batch = requireBatch(tx, batchId);
        if (batch.status !== 'building') throw new Error(`lot ${period} : « ${batch.status} », plus en préparation`);
        let budget = redemptionsPerStep;
        for (let places = 0; places < placesPerStep; places++) {
          const placeId = position.current ?? nextPayablePlace(tx, position.after);
          if (!placeId) return finish(position);
          position.current = placeId;
          // A place whose bank details changed since it was found takes nothing more: its lines wait.
          const taken = bankAccountForNewPayout(tx, placeId) ? gatherPlaceLines(tx, { placeId, period, at, limit: budget }) : 0;
          position.taken += taken;
          budget -= taken;
          // The budget is spent: the place may have more, the next step goes on with it.
          if (budget === 0) break;
          const payout = createPlacePayout(tx, { batchId, placeId, period, at });
          if (payout) addPayoutToBatch(tx, payout);
          position.after = placeId;
          position.current = null;
          position.taken = 0;
        }
        setJobResult(tx, job.id, { position });
        const done = requireBatch(tx, batchId).lineCount + position.taken;
        return { done, total: Math.max(job.progressTotal, done), finished: false };
      });

      function finish(position: Position) {
        const batch = requireBatch(tx, batchId);
        const sums = payoutTotals(tx, batchId);
        if (sums.totalCents !== batch.totalCents || sums.payoutCount !== batch.payoutCount || sums.lineCount !== batch.lineCount) {
          throw new Error(`lot ${period} : les totaux diffèrent de ses virements`);
        }
        if (sums.payoutCount === 0) {
          deleteEmptyBatch(tx, batchId);
          setJobResult(tx, job.id, { position: { ...position, emptied: true } });
          return { done: 0, total: job.progressTotal, finished: false };
        }
        const actor = job.startedByUserId && job.organisationId ? { userId: job.startedByUserId, organisationId: job.organisationId } : null;
        if (!moveBatchStatus(tx, batchId, 'building', 'draft')) throw new Error(`lot ${period} : plus en préparation`);
        logStatus(tx, clock, { type: 'batch', id: batchId }, 'building', 'draft', actor);
        recordAudit(tx, clock, actor, 'reimbursement_batch.built', { type: 'reimbursement_batch', id: batchId }, { period, totalCents: batch.totalCents });
        const result: BatchJobResult = { batchId, period, totalCents: batch.totalCents, payoutCount: batch.payoutCount, lineCount: batch.lineCount, summary: `lot de ${period} prêt à approuver : ${describeBatch(batch)}` };
        setJobResult(tx, job.id, result);
        return { done: batch.lineCount, total: batch.lineCount, finished: true };
      }
    },
  };
}
