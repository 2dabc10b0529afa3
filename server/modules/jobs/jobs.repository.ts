import { and, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { jobs, type JobStatus } from '../../../db/schema/jobs.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow } from '../../shared/list-sql.repository.ts';
import { newId } from '../../shared/secrets.ts';

export type JobRow = typeof jobs.$inferSelect;

export interface NewJob {
  kind: string;
  params: Record<string, unknown>;
  total: number;
  subject?: string;
  organisationId?: string | null;
  startedByUserId?: string | null;
  now: Date;
}

/** Queues a job inside the caller's transaction: it exists if and only if what asked for it committed. */
export function insertJob(tx: DbOrTx, job: NewJob): string {
  const id = newId();
  tx.insert(jobs)
    .values({
      id,
      kind: job.kind,
      params: job.params,
      status: 'queued',
      progressTotal: job.total,
      subject: job.subject ?? null,
      organisationId: job.organisationId ?? null,
      startedByUserId: job.startedByUserId ?? null,
      createdAt: job.now.toISOString(),
    })
    .run();
  return id;
}

/** A job as its starter's organisation sees it; another organisation's job does not exist for them. */
export function findJobForOrganisation(tx: DbOrTx, organisationId: string, jobId: string): JobRow | undefined {
  return tx.select().from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.organisationId, organisationId))).get();
}

/** The newest job of this kind and subject started by the organisation (only a finished one with `onlyDone`). */
export function findLatestJob(tx: DbOrTx, q: { kind: string; subject: string; organisationId: string; onlyDone?: boolean }): JobRow | undefined {
  return tx
    .select()
    .from(jobs)
    .where(and(eq(jobs.kind, q.kind), eq(jobs.subject, q.subject), eq(jobs.organisationId, q.organisationId), q.onlyDone ? eq(jobs.status, 'done') : undefined))
    .orderBy(desc(jobs.createdAt))
    .get();
}

/** What the job's earlier steps recorded as its result (null before the first). */
export function jobResultOf(tx: DbOrTx, jobId: string): unknown {
  return tx.select({ result: jobs.result }).from(jobs).where(eq(jobs.id, jobId)).get()?.result ?? null;
}

export function findPendingJob(tx: DbOrTx, kind: string, subject: string): JobRow | undefined {
  return tx
    .select()
    .from(jobs)
    .where(and(eq(jobs.kind, kind), eq(jobs.subject, subject), inArray(jobs.status, ['queued', 'running'])))
    .get();
}

/** How many of a job's units its committed steps have done: where a resumed job starts again. */
export function jobProgressDone(tx: DbOrTx, jobId: string): number {
  return tx.select({ done: jobs.progressDone }).from(jobs).where(eq(jobs.id, jobId)).get()!.done;
}

/**
 * Takes the oldest job nobody holds, in one statement: two processes asking at once get two
 * different jobs or one gets none. A running job whose lease ran out (its process died) is taken
 * again and resumed from its last committed chunk.
 */
export function claimNextJob(tx: DbOrTx, input: { owner: string; now: Date; leaseMs: number; kinds: string[] }): JobRow | undefined {
  if (input.kinds.length === 0) return undefined;
  const now = input.now.toISOString();
  const until = new Date(input.now.getTime() + input.leaseMs).toISOString();
  const kinds = sql.join(
    input.kinds.map((k) => sql`${k}`),
    sql`, `,
  );
  const claimed = tx.get<{ id: string } | undefined>(sql`
    UPDATE jobs SET status = 'running', lease_owner = ${input.owner}, lease_until = ${until},
      attempts = attempts + 1, started_at = coalesce(started_at, ${now})
    WHERE id = (
      SELECT id FROM jobs
      WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < ${now}) AND kind IN (${kinds})
      ORDER BY created_at LIMIT 1
    )
    RETURNING id`);
  return claimed ? tx.select().from(jobs).where(eq(jobs.id, claimed.id)).get() : undefined;
}

/** Records a chunk's progress and extends the lease, in the chunk's own transaction; false if the lease was lost. */
export function recordProgress(tx: DbOrTx, input: { jobId: string; owner: string; done: number; total: number; finished: boolean; now: Date; leaseMs: number }): boolean {
  const result = tx
    .update(jobs)
    .set({
      progressDone: input.done,
      progressTotal: input.total,
      leaseUntil: input.finished ? null : new Date(input.now.getTime() + input.leaseMs).toISOString(),
      ...(input.finished ? { status: 'done' as const, leaseOwner: null, finishedAt: input.now.toISOString() } : {}),
    })
    .where(and(eq(jobs.id, input.jobId), eq(jobs.leaseOwner, input.owner), eq(jobs.status, 'running')))
    .run();
  return result.changes === 1;
}

export function markJobFailed(tx: DbOrTx, input: { jobId: string; owner: string; error: string; now: Date }): void {
  tx.update(jobs)
    .set({ status: 'failed', error: input.error.slice(0, 1000), leaseOwner: null, leaseUntil: null, finishedAt: input.now.toISOString() })
    .where(and(eq(jobs.id, input.jobId), eq(jobs.leaseOwner, input.owner)))
    .run();
}

/** Gives a job back at a safe point (shutdown): the next process takes it at once instead of waiting for the lease to run out. */
export function releaseJob(tx: DbOrTx, input: { jobId: string; owner: string }): void {
  tx.update(jobs)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(jobs.id, input.jobId), eq(jobs.leaseOwner, input.owner), eq(jobs.status, 'running')))
    .run();
}

/** Queued and running jobs, by kind: the backlog the metrics report. */
export function pendingJobCounts(tx: DbOrTx): { kind: string; status: string; n: number }[] {
  return tx.all<{ kind: string; status: string; n: number }>(
    sql`SELECT kind, status, count(*) AS n FROM jobs WHERE status IN ('queued', 'running') GROUP BY kind, status`,
  );
}

// --- The jobs list of /exploitation/taches (issue 16): filters, sort, pages ----------------------

export const JOB_SORTS = { date: jobs.createdAt, type: jobs.kind, statut: jobs.status } as const;
export type JobSort = keyof typeof JOB_SORTS;

export interface JobCriteria {
  /** The operator's organisation: its own jobs and the service's (no organisation) are listed, never another organisation's. */
  organisationId: string;
  status?: JobStatus;
  kind?: string;
}

function jobWhere(criteria: JobCriteria) {
  return and(
    or(eq(jobs.organisationId, criteria.organisationId), isNull(jobs.organisationId)),
    criteria.status ? eq(jobs.status, criteria.status) : undefined,
    criteria.kind ? eq(jobs.kind, criteria.kind) : undefined,
  );
}

const matchingJobs = (db: DbOrTx, criteria: JobCriteria) =>
  db
    .select({
      id: jobs.id,
      kind: jobs.kind,
      status: jobs.status,
      progressDone: jobs.progressDone,
      progressTotal: jobs.progressTotal,
      error: jobs.error,
      attempts: jobs.attempts,
      createdAt: jobs.createdAt,
      startedAt: jobs.startedAt,
      finishedAt: jobs.finishedAt,
      organisationId: jobs.organisationId,
      startedByName: users.name,
      organisationName: organisations.name,
    })
    .from(jobs)
    .leftJoin(users, eq(users.id, jobs.startedByUserId))
    .leftJoin(organisations, eq(organisations.id, jobs.organisationId))
    .where(jobWhere(criteria))
    .$dynamic();

export function countJobSearch(db: DbOrTx, criteria: JobCriteria): number {
  return countMatching(db, matchingJobs(db, criteria));
}

export function searchJobs(db: DbOrTx, criteria: JobCriteria, sort: { key: JobSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingJobs(db, criteria), orderByFor(JOB_SORTS, sort, jobs.id), window);
}
