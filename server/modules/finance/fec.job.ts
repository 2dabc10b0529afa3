import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Actor } from '../identity/actor.ts';
import { appendFileChunk, clearFileChunks, setJobFile } from '../jobs/job-files.repository.ts';
import { findPendingJob, insertJob } from '../jobs/jobs.repository.ts';
import type { JobHandler } from '../jobs/jobs.runner.ts';
import { FecWriter } from './fec-export.ts';

/**
 * The year's FEC as a job: ENTRIES_PER_STEP journal entries per step, each step appending its
 * lines to the job's file in the same transaction as the progress. The numbering per journal lives
 * in the writer, in memory: a job taken over by another process (the first one died) starts the
 * file over rather than resuming with counters it does not have. The file is kept until downloaded.
 */
export const FEC_EXPORT_JOB = 'fec_export';
const ENTRIES_PER_STEP = 2000;

const params = z.object({ year: z.number().int() });

export function startFecExport(deps: { db: Db; clock: Clock; actor: Actor; year: number }): string {
  const { db, clock, actor, year } = deps;
  return db.transaction(
    (tx) =>
      findPendingJob(tx, FEC_EXPORT_JOB, String(year))?.id ??
      insertJob(tx, {
        kind: FEC_EXPORT_JOB,
        params: { year },
        total: FecWriter.entriesOfYear(tx, year),
        subject: String(year),
        organisationId: actor.organisationId,
        startedByUserId: actor.userId,
        now: clock.now(),
      }),
    { behavior: 'immediate' },
  );
}

export function fecExportHandler(entriesPerStep = ENTRIES_PER_STEP): JobHandler {
  // One writer per job this process is running; a job missing here was started by another process.
  const writers = new Map<string, FecWriter>();
  return {
    kind: FEC_EXPORT_JOB,
    step({ tx, job }) {
      const { year } = params.parse(job.params);
      let writer = writers.get(job.id);
      if (!writer) {
        clearFileChunks(tx, job.id);
        writer = new FecWriter(tx, year);
        writers.set(job.id, writer);
      }
      const page = writer.nextPage(entriesPerStep, tx);
      appendFileChunk(tx, job.id, page.bytes);
      const total = Math.max(job.progressTotal, writer.entryCount);
      if (!page.done) return { done: writer.entryCount, total, finished: false };
      writers.delete(job.id);
      setJobFile(tx, job.id, { name: writer.fileName, type: 'text/plain; charset=iso-8859-15' }, { year, entryCount: writer.entryCount });
      return { done: writer.entryCount, total: writer.entryCount, finished: true };
    },
  };
}
