import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/problem.ts';
import { countOf } from '../../shared/plural.ts';
import type { Actor } from '../identity/actor.ts';
import { setJobResult } from '../jobs/job-files.repository.ts';
import { findPendingJob, insertJob, jobResultOf } from '../jobs/jobs.repository.ts';
import type { JobHandler } from '../jobs/jobs.runner.ts';
import { expireOrder, ordersDueForExpiry } from './expiry.service.ts';

/**
 * The expiry run started by hand (the daily task does the same by itself): one order per step,
 * expired in the step's transaction with the progress. It resumes from the database: an order
 * already expired is no longer due, so a job taken over after a crash goes on with the next one.
 * An order that cannot be expired is recorded and skipped, not retried forever.
 */
export const EXPIRY_RUN_JOB = 'expiry_run';

export interface ExpiryRunResult extends Record<string, unknown> {
  orders: number;
  passes: number;
  creditNotes: string[];
  failures: { reference: string; error: string }[];
  summary: string;
}

export function startExpiryRun(deps: { db: Db; clock: Clock; actor: Actor; gracePeriodDays: number }): string {
  const { db, clock, actor } = deps;
  return db.transaction(
    (tx) =>
      findPendingJob(tx, EXPIRY_RUN_JOB, 'all')?.id ??
      insertJob(tx, {
        kind: EXPIRY_RUN_JOB,
        params: {},
        total: ordersDueForExpiry(tx, clock, deps.gracePeriodDays).length,
        subject: 'all',
        organisationId: actor.organisationId,
        startedByUserId: actor.userId,
        now: clock.now(),
      }),
    { behavior: 'immediate' },
  );
}

export function describeExpiryRun(r: Pick<ExpiryRunResult, 'orders' | 'passes' | 'failures'>): string {
  const failed = r.failures.length > 0 ? `, ${countOf(r.failures.length, 'échec')}` : '';
  return `${countOf(r.orders, 'commande')} en fin de validité, ${countOf(r.passes, 'pass expiré', 'pass expirés')}${failed}`;
}

/** Each step runs in the runner's transaction (tx): one order expired in a savepoint of it, with the progress. */
export function expiryRunHandler(gracePeriodDays: number): JobHandler {
  return {
    kind: EXPIRY_RUN_JOB,
    step({ tx, job, clock }) {
      const previous = jobResultOf(tx, job.id) as ExpiryRunResult | null;
      const result: ExpiryRunResult = previous ?? { orders: 0, passes: 0, creditNotes: [], failures: [], summary: '' };
      const skipped = new Set(result.failures.map((f) => f.reference));
      const next = ordersDueForExpiry(tx, clock, gracePeriodDays).find((o) => !skipped.has(o.reference));
      if (next) {
        try {
          // Nested in the step's transaction: a savepoint, committed with the progress.
          const expired = expireOrder({ db: tx, clock, actor: null, orderId: next.id, gracePeriodDays });
          result.orders++;
          result.passes += expired.expiredPassCount;
          result.creditNotes.push(...expired.creditNotes.map((note) => note.number));
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          result.failures.push({ reference: next.reference, error: error.message });
        }
      }
      const done = result.orders + result.failures.length;
      const finished = !next || ordersDueForExpiry(tx, clock, gracePeriodDays).every((o) => skipped.has(o.reference) || result.failures.some((f) => f.reference === o.reference));
      result.summary = describeExpiryRun(result);
      setJobResult(tx, job.id, result);
      return { done, total: Math.max(job.progressTotal, done), finished };
    },
  };
}
