import type { Db, Tx } from '../../../db/client.ts';
import { withLock } from '../../../db/locks.ts';
import { withPageCache } from '../../../db/page-cache.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisMonth } from '../../shared/paris-time.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { findPendingJob, insertJob } from '../jobs/jobs.repository.ts';
import { REIMBURSEMENT_BATCH_JOB, type BatchJobParams } from './reimbursement-batch.job.ts';
import { nothingToPay, periodNotClosed } from './reimbursement.errors.ts';
import {
  batchById,
  batchOfPeriod,
  countBatchCandidates,
  insertBatch,
  insertPayout,
  linkOpenLinesToBatchPayouts,
  logStatus,
  openLineTotalsPerPayablePlace,
  payoutsDifferingFromTheirLines,
  reserveReferences,
  setBatchTotals,
  takeRedemptionsOfPayablePlaces,
  validatedBankAccountsByPlace,
  type BatchRow,
} from './reimbursement.repository.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

/** Below this many redemptions to pay, a batch is built at once in one transaction (BATCH_JOB_THRESHOLD). */
export const DEFAULT_BATCH_JOB_THRESHOLD = 10_000;

/**
 * Page cache given to the connection while a batch is built. A national month is a million
 * redemptions: the batch transaction writes a few hundred megabytes (redemptions marked, a line per
 * redemption, a payout link per line, their indexes). With SQLite's default cache (2 MiB), dirty
 * pages are spilled to the WAL in the middle of the transaction and read back, and the sort of the
 * lines goes to temporary files. An upper bound, allocated as pages are used, given back after.
 * Measured (scripts/bench-finance.ts, 1 000 000 redemptions, 2 000 places): 13.8 s before, 8.0 s
 * with this cache and the lines inserted place by place.
 */
const BATCH_PAGE_CACHE_KIB = 256 * 1024;

/**
 * Builds the batch of a closed Paris month in one transaction: a reimbursement line for every live
 * redemption of that month (or earlier, if its place was waiting) of places that can be paid, one
 * payout per place, each payout total re-checked against its lines before commit. Building twice
 * returns the first batch. Set-based SQL throughout: a million redemptions do not become a million
 * JavaScript objects — but the transaction holds the event loop for its whole length: the service
 * uses it below BATCH_JOB_THRESHOLD redemptions (startBatch), a job above.
 */
export function buildBatch(deps: Deps & { actor: Actor | null; period: string }): { batch: BatchRow; created: boolean } {
  const { db, clock, actor, period } = deps;
  const now = clock.now();
  if (period >= parisMonth(now)) throw periodNotClosed(period);
  return withPageCache(db, BATCH_PAGE_CACHE_KIB, () =>
    db.transaction(
      (tx) =>
        // One batch built at a time: the redemptions it marks, lines and sums must not be taken twice.
        withLock('reimbursement-batch', tx, () => {
          const existing = batchOfPeriod(tx, period);
          if (existing) return { batch: existing, created: false };
          return { batch: buildBatchInTx(tx, clock, actor, period, now), created: true };
        }),
      { behavior: 'immediate' },
    ),
  );
}

function buildBatchInTx(tx: Tx, clock: Clock, actor: Actor | null, period: string, now: Date): BatchRow {
  const batchId = newId();
  const at = now.toISOString();
  insertBatch(tx, { id: batchId, period, status: 'draft', createdAt: at, createdByUserId: actor?.userId ?? null });

  // Mark first (from now on the place can no longer cancel these redemptions), then line what was
  // marked, place by place (takeRedemptionsOfPayablePlaces says why), then one payout per place.
  takeRedemptionsOfPayablePlaces(tx, period, at);
  const perPlace = openLineTotalsPerPayablePlace(tx, period);
  const references = reserveReferences(tx, period.slice(0, 4), perPlace.length);
  const bankOf = validatedBankAccountsByPlace(tx);
  perPlace.forEach((p, i) => {
    const bank = bankOf.get(p.place_id)!;
    insertPayout(tx, {
      id: newId(),
      batchId,
      placeId: p.place_id,
      reference: references[i]!,
      bankAccountId: bank.id,
      holder: bank.holder,
      iban: bank.iban,
      bic: bank.bic,
      amountCents: p.total,
      lineCount: p.n,
      status: 'pending',
      createdAt: at,
    });
  });
  linkOpenLinesToBatchPayouts(tx, batchId, period);

  // Totals re-checked after linking: a payout must equal the sum of its lines, or nothing is kept.
  const mismatch = payoutsDifferingFromTheirLines(tx, batchId);
  if (mismatch.length > 0) throw new Error(`batch ${period}: payout totals differ from their lines (${mismatch.length})`);

  // A batch with nothing in it would still be approved, exported and "paid": refused, and the
  // rollback leaves no trace of the attempt.
  if (perPlace.length === 0) throw nothingToPay(period);
  const totals = perPlace.reduce((acc, p) => ({ total: acc.total + p.total, n: acc.n + p.n }), { total: 0, n: 0 });
  setBatchTotals(tx, batchId, { totalCents: totals.total, payoutCount: perPlace.length, lineCount: totals.n });
  logStatus(tx, clock, { type: 'batch', id: batchId }, null, 'draft', actor);
  recordAudit(tx, clock, actor, 'reimbursement_batch.built', { type: 'reimbursement_batch', id: batchId }, { period, totalCents: totals.total });
  return batchById(tx, batchId)!;
}

export interface BatchStart {
  batch: BatchRow;
  /** False when the period already had its batch (built, or being built): nothing new was started. */
  created: boolean;
  /** The job building the batch (202), when it is `building`; null when the batch is built. */
  jobId: string | null;
}

/**
 * What the service does when finance asks for a month's batch. Like order approval, a small batch
 * (fewer than `jobThreshold` redemptions to pay) is built at once in one transaction; a large one is
 * a `building` batch row and a job that fills it in short steps (reimbursement-batch.job.ts), so
 * that lookups and redemptions keep being served. Idempotent: a built batch is returned as it is, a
 * batch being built returns its running job (a new one, resuming, if the previous one failed).
 * Nothing to pay is refused before anything starts.
 */
export function startBatch(deps: Deps & { actor: Actor | null; period: string; jobThreshold: number }): BatchStart {
  const { db, clock, actor, period, jobThreshold } = deps;
  const now = clock.now();
  if (period >= parisMonth(now)) throw periodNotClosed(period);
  const queueJob = (tx: Tx, batchId: string, total: number) =>
    insertJob(tx, {
      kind: REIMBURSEMENT_BATCH_JOB,
      params: { batchId, period, at: now.toISOString() } satisfies BatchJobParams,
      total,
      subject: period,
      organisationId: actor?.organisationId ?? null,
      startedByUserId: actor?.userId ?? null,
      now,
    });
  return db.transaction(
    (tx) =>
      withLock('reimbursement-batch', tx, (): BatchStart => {
        const existing = batchOfPeriod(tx, period);
        if (existing?.status === 'building') {
          const jobId = findPendingJob(tx, REIMBURSEMENT_BATCH_JOB, period)?.id ?? queueJob(tx, existing.id, countBatchCandidates(tx, period) + existing.lineCount);
          return { batch: existing, created: false, jobId };
        }
        if (existing) return { batch: existing, created: false, jobId: null };
        const candidates = countBatchCandidates(tx, period);
        if (candidates === 0) throw nothingToPay(period);
        if (candidates < jobThreshold) return { batch: buildBatchInTx(tx, clock, actor, period, now), created: true, jobId: null };
        const batchId = newId();
        insertBatch(tx, { id: batchId, period, status: 'building', createdAt: now.toISOString(), createdByUserId: actor?.userId ?? null });
        const jobId = queueJob(tx, batchId, candidates);
        return { batch: batchOfPeriod(tx, period)!, created: true, jobId };
      }),
    { behavior: 'immediate' },
  );
}
