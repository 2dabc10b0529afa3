import { Zip, ZipPassThrough } from 'fflate';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { noDocumentsInPeriod } from './invoices.errors.ts';
import type { Actor } from '../identity/actor.ts';
import { appendFileChunk, clearFileChunks, setJobFile } from '../jobs/job-files.repository.ts';
import { findPendingJob, insertJob } from '../jobs/jobs.repository.ts';
import type { StreamJobHandler } from '../jobs/jobs.runner.ts';
import { archiveFileName, documentsOfPeriod, renderArchivedDocument } from './facturx-archive.ts';

/**
 * The ZIP of a period's Factur-X files as a job: a period can hold thousands of documents, each
 * rendered as a PDF (async, between turns of the event loop); every DOCUMENTS_PER_CHUNK documents
 * the ZIP bytes so far are committed with the progress. fflate's streaming Zip writes each entry
 * stored, not deflated (a PDF's streams are already compressed), and the central directory at the
 * end. An interrupted job starts over: its first commit drops an earlier attempt's chunks.
 */
export const FACTURX_ARCHIVE_JOB = 'facturx_archive';
const DOCUMENTS_PER_CHUNK = 20;

const params = z.object({ from: z.string(), to: z.string() });

export function startFacturxArchive(deps: { db: Db; clock: Clock; actor: Actor; period: { from: string; to: string } }): string {
  const { db, clock, actor, period } = deps;
  const subject = `${period.from}:${period.to}`;
  return db.transaction(
    (tx) => {
      const pending = findPendingJob(tx, FACTURX_ARCHIVE_JOB, subject);
      if (pending) return pending.id;
      const total = documentsOfPeriod(tx, period).length;
      if (total === 0) {
        throw noDocumentsInPeriod(period.from, period.to);
      }
      return insertJob(tx, {
        kind: FACTURX_ARCHIVE_JOB,
        params: period,
        total,
        subject,
        organisationId: actor.organisationId,
        startedByUserId: actor.userId,
        now: clock.now(),
      });
    },
    { behavior: 'immediate' },
  );
}

export function facturxArchiveHandler(db: Db, options: { operatorIban: string; documentsPerChunk?: number }): StreamJobHandler {
  const perChunk = options.documentsPerChunk ?? DOCUMENTS_PER_CHUNK;
  return {
    kind: FACTURX_ARCHIVE_JOB,
    async run({ job, commit }) {
      const period = params.parse(job.params);
      const documents = documentsOfPeriod(db, period);
      const total = documents.length;
      commit((tx) => {
        clearFileChunks(tx, job.id);
        return { done: 0, total, finished: false };
      });
      let pending: Uint8Array[] = [];
      let failure: Error | null = null;
      const zip = new Zip((error, chunk) => {
        if (error) failure = error;
        else pending.push(chunk);
      });
      const take = () => {
        const bytes = Buffer.concat(pending);
        pending = [];
        return bytes;
      };
      for (const [i, document] of documents.entries()) {
        const pdf = await renderArchivedDocument(db, document, options);
        const entry = new ZipPassThrough(`${document.number}.pdf`);
        entry.mtime = new Date(`${document.issuedOn}T12:00:00Z`);
        zip.add(entry);
        entry.push(pdf, true);
        if (failure) throw failure;
        const done = i + 1;
        if (done % perChunk === 0 && done < total) {
          commit((tx) => {
            appendFileChunk(tx, job.id, take());
            return { done, total, finished: false };
          });
        }
      }
      zip.end();
      if (failure) throw failure;
      commit((tx) => {
        appendFileChunk(tx, job.id, take());
        setJobFile(tx, job.id, { name: archiveFileName(period), type: 'application/zip' }, { ...period, documentCount: total });
        return { done: total, total, finished: true };
      });
    },
  };
}
