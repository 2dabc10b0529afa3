import { and, asc, eq, isNotNull, lt, max, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { jobFileChunks, jobs } from '../../../db/schema/jobs.ts';

/**
 * Files built by jobs (the year's FEC, a large print file), kept in the database next to the job:
 * each step appends its chunk in its own transaction, so the file is exactly as long as the
 * progress recorded, and a backup holds the files with the rest. The file is downloadable only
 * once the job is done; the daily purge drops it a day after its first download.
 */
export function appendFileChunk(tx: DbOrTx, jobId: string, bytes: Buffer): void {
  if (bytes.length === 0) return;
  const last = tx.select({ seq: max(jobFileChunks.seq) }).from(jobFileChunks).where(eq(jobFileChunks.jobId, jobId)).get();
  tx.insert(jobFileChunks)
    .values({ jobId, seq: (last?.seq ?? 0) + 1, bytes })
    .run();
}

/** A job restarted from its beginning (its builder's state was in a process that died) starts a new file. */
export function clearFileChunks(tx: DbOrTx, jobId: string): void {
  tx.delete(jobFileChunks).where(eq(jobFileChunks.jobId, jobId)).run();
}

/** Names the finished file; called in the job's last step. */
export function setJobFile(tx: DbOrTx, jobId: string, file: { name: string; type: string }, result?: Record<string, unknown>): void {
  tx.update(jobs)
    .set({ fileName: file.name, fileType: file.type, ...(result ? { result } : {}) })
    .where(eq(jobs.id, jobId))
    .run();
}

export function setJobResult(tx: DbOrTx, jobId: string, result: Record<string, unknown>): void {
  tx.update(jobs).set({ result }).where(eq(jobs.id, jobId)).run();
}

/** The chunks in order, read a few at a time: memory holds one chunk whatever the file size. */
export function* fileChunks(db: DbOrTx, jobId: string): Generator<Buffer> {
  let after = 0;
  for (;;) {
    const rows = db
      .select({ seq: jobFileChunks.seq, bytes: jobFileChunks.bytes })
      .from(jobFileChunks)
      .where(and(eq(jobFileChunks.jobId, jobId), sql`${jobFileChunks.seq} > ${after}`))
      .orderBy(asc(jobFileChunks.seq))
      .limit(4)
      .all();
    if (rows.length === 0) return;
    for (const row of rows) yield row.bytes;
    after = rows[rows.length - 1]!.seq;
  }
}

export function fileSize(db: DbOrTx, jobId: string): number {
  return db.get<{ n: number | null }>(sql`SELECT sum(length(bytes)) AS n FROM job_file_chunks WHERE job_id = ${jobId}`)?.n ?? 0;
}

export function fileAvailable(db: DbOrTx, jobId: string): boolean {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM job_file_chunks WHERE job_id = ${jobId}`)!.n > 0;
}

export function markDownloaded(tx: DbOrTx, jobId: string, now: Date): void {
  tx.update(jobs)
    .set({ downloadedAt: now.toISOString() })
    .where(and(eq(jobs.id, jobId), sql`${jobs.downloadedAt} IS NULL`))
    .run();
}

/** Drops the bytes of files first downloaded before `before`; returns how many files were dropped. */
export function purgeDownloadedFiles(tx: DbOrTx, before: Date): number {
  const old = tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(isNotNull(jobs.downloadedAt), lt(jobs.downloadedAt, before.toISOString())))
    .all();
  let dropped = 0;
  for (const { id } of old) dropped += tx.delete(jobFileChunks).where(eq(jobFileChunks.jobId, id)).run().changes > 0 ? 1 : 0;
  return dropped;
}
