import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { countOf } from '../../shared/plural.ts';
import type { Actor } from '../identity/actor.ts';
import { appendFileChunk, clearFileChunks, fileChunks, setJobResult } from '../jobs/job-files.repository.ts';
import { insertJob, jobProgressDone } from '../jobs/jobs.repository.ts';
import type { JobHandler } from '../jobs/jobs.runner.ts';
import { finishImport, importRecords, prepareImport, seenBefore, type ImportFormat, type RowReport } from './places.import.ts';
import type { ImportReport } from './places.schemas.ts';

/**
 * A large places import (over ASYNC_IMPORT_ROWS rows) as a job: ROWS_PER_STEP rows per step, each
 * step one transaction with its rows' reports and the progress. The file is kept in the job's
 * parameters; the position to resume at is the number of rows recorded, and the duplicates seen
 * before it are found again from the file alone (seenBefore). The report at the end is the one
 * the synchronous import gives, audit record included.
 */
export const PLACES_IMPORT_JOB = 'places_import';
const ROWS_PER_STEP = 250;

const params = z.object({ content: z.unknown(), format: z.enum(['mednum', 'data-inclusion']), now: z.string(), actorUserId: z.string().nullable(), actorOrganisationId: z.string().nullable() });

/** Reads the file (a 400 for an unknown format, in the request) and queues the job; the row count is its total. */
export function startPlacesImport(deps: { db: Db; clock: Clock; actor: Actor | null; content: string | unknown; format?: ImportFormat }): { jobId: string; rows: number } {
  const { db, clock, actor } = deps;
  const { format, records } = prepareImport(deps.content, deps.format);
  const now = clock.now();
  const jobId = db.transaction((tx) =>
    insertJob(tx, {
      kind: PLACES_IMPORT_JOB,
      params: { content: deps.content, format, now: now.toISOString(), actorUserId: actor?.userId ?? null, actorOrganisationId: actor?.organisationId ?? null },
      total: records.length,
      organisationId: actor?.organisationId ?? null,
      startedByUserId: actor?.userId ?? null,
      now,
    }),
  );
  return { jobId, rows: records.length };
}

export function countRows(content: string | unknown): number {
  return prepareImport(content).records.length;
}

export function describeImport(r: Pick<ImportReport, 'total' | 'created' | 'updated' | 'unchanged' | 'rejected'>): string {
  return `${countOf(r.total, 'ligne')} : ${countOf(r.created, 'créée', 'créées')}, ${countOf(r.updated, 'mise à jour', 'mises à jour')}, ${countOf(r.unchanged, 'inchangée', 'inchangées')}, ${countOf(r.rejected, 'rejetée', 'rejetées')}`;
}

export function placesImportHandler(rowsPerStep = ROWS_PER_STEP): JobHandler {
  // Per job: the parsed file and the identifiers seen so far, so that a step neither parses the file
  // again nor maps the rows before it; rebuilt from the parameters when another process resumes.
  const states = new Map<string, { file: ReturnType<typeof prepareImport>; seen: Map<string, number>; at: number }>();
  return {
    kind: PLACES_IMPORT_JOB,
    step({ tx, job, clock }) {
      const p = params.parse(job.params);
      const from = jobProgressDone(tx, job.id);
      let state = states.get(job.id);
      if (!state || state.at !== from) {
        const file = state?.file ?? prepareImport(p.content, p.format);
        state = { file, seen: seenBefore(file.format, file.records, from), at: from };
        states.set(job.id, state);
      }
      const { file } = state;
      const to = Math.min(file.records.length, from + rowsPerStep);
      // Each step's row reports are a chunk of the job's file (JSON), written with the progress.
      appendFileChunk(tx, job.id, Buffer.from(JSON.stringify(importRecords(tx, { ...file, from, to, now: p.now, seen: state.seen }))));
      state.at = to;
      const finished = to === file.records.length;
      if (finished) {
        const rows = [...fileChunks(tx, job.id)].flatMap((chunk) => JSON.parse(chunk.toString('utf8')) as RowReport[]);
        clearFileChunks(tx, job.id);
        const actor = p.actorUserId && p.actorOrganisationId ? { userId: p.actorUserId, organisationId: p.actorOrganisationId } : null;
        const report = finishImport(tx, clock, actor, file.format, rows);
        setJobResult(tx, job.id, { ...report, summary: describeImport(report) });
        states.delete(job.id);
      }
      return { done: to, total: file.records.length, finished };
    },
  };
}
