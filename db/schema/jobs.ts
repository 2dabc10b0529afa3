import { sql } from 'drizzle-orm';
import { blob, check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Work that outlives a request: a row with its parameters and progress, run in chunks by the job
 * runner (server/modules/jobs). A process that holds the lease (`lease_owner` until `lease_until`)
 * runs it; a process that dies leaves the lease to expire and another start resumes the job from
 * its last committed chunk.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    params: text('params', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: JOB_STATUSES }).notNull(),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total').notNull().default(0),
    error: text('error'),
    /** What the job works on (an order id…): at most one queued or running job per kind and subject. */
    subject: text('subject'),
    /** The organisation of whoever started it: the job is visible to that organisation only. */
    organisationId: text('organisation_id'),
    startedByUserId: text('started_by_user_id'),
    leaseOwner: text('lease_owner'),
    leaseUntil: text('lease_until'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    /** What the job did, for its starter (counts, the batch it built…), as the synchronous path would answer. */
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** A job that builds a file (FEC, print file): its name and media type; the bytes are in job_file_chunks. */
    fileName: text('file_name'),
    fileType: text('file_type'),
    /** First download of the file; the daily purge removes the bytes a day later. */
    downloadedAt: text('downloaded_at'),
  },
  (t) => [
    index('jobs_pending_idx').on(t.status, t.createdAt).where(sql`${t.status} IN ('queued', 'running')`),
    uniqueIndex('jobs_one_pending_per_subject')
      .on(t.kind, t.subject)
      .where(sql`${t.status} IN ('queued', 'running') AND ${t.subject} IS NOT NULL`),
    check('jobs_status_check', sql`${t.status} IN ('queued', 'running', 'done', 'failed')`),
    check('jobs_progress_check', sql`${t.progressDone} >= 0 AND ${t.progressTotal} >= 0`),
  ],
);

/** One row per scheduled task: its lease (one run at a time across processes) and its last run. */
export const scheduledTasks = sqliteTable('scheduled_tasks', {
  name: text('name').primaryKey(),
  cron: text('cron').notNull(),
  /** The last occurrence (UTC instant) some process claimed: each occurrence runs once. */
  lastSlot: text('last_slot'),
  leaseOwner: text('lease_owner'),
  leaseUntil: text('lease_until'),
  lastStartedAt: text('last_started_at'),
  lastFinishedAt: text('last_finished_at'),
  lastDurationMs: integer('last_duration_ms'),
  lastOutcome: text('last_outcome', { enum: ['ok', 'failed'] }),
  lastDetail: text('last_detail'),
  nextRunAt: text('next_run_at'),
});

/** The log of scheduled runs, one row per occurrence (unique: a second process cannot run it again). */
export const scheduledRuns = sqliteTable(
  'scheduled_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    task: text('task').notNull(),
    slot: text('slot').notNull(),
    owner: text('owner').notNull(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
    durationMs: integer('duration_ms'),
    outcome: text('outcome', { enum: ['ok', 'failed'] }),
    detail: text('detail'),
  },
  (t) => [uniqueIndex('scheduled_runs_task_slot_unique').on(t.task, t.slot)],
);

/** Running service processes, seen every few seconds: `npm run restore` refuses while one is alive. */
export const serviceInstances = sqliteTable('service_instances', {
  id: text('id').primaryKey(),
  pid: integer('pid').notNull(),
  host: text('host').notNull(),
  startedAt: text('started_at').notNull(),
  seenAt: text('seen_at').notNull(),
});

/** A single row rewritten by /readyz: proves the database file can still be written. */
export const readinessProbe = sqliteTable('readiness_probe', {
  id: integer('id').primaryKey(),
  at: text('at').notNull(),
});

/**
 * The bytes of a job's file, one row per chunk written by one step: the file grows in the same
 * transactions as the progress, so a crash leaves exactly the chunks of the steps recorded.
 */
export const jobFileChunks = sqliteTable(
  'job_file_chunks',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);
