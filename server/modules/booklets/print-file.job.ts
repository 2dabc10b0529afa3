import { Writable } from 'node:stream';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { renderBookletsPdf } from '../../../templates/pdf/booklet.ts';
import { PRINT_PROFILES, type PrintProfile } from '../../../templates/pdf/print-profile.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Actor } from '../identity/actor.ts';
import { appendFileChunk, clearFileChunks, fileAvailable, setJobFile } from '../jobs/job-files.repository.ts';
import { findLatestJob, findPendingJob, insertJob } from '../jobs/jobs.repository.ts';
import { findOrderById } from '../order-records/order-records.repository.ts';
import { percentDone } from '../jobs/jobs.schemas.ts';
import type { StreamJobHandler } from '../jobs/jobs.runner.ts';
import { orderPrintFile } from './booklets.service.ts';

/**
 * A large order's print file, built by a job and kept until downloaded (#15 item 7). The renderer
 * draws one booklet per turn of the event loop (it yields between booklets), so lookups and
 * redemptions keep being served meanwhile; every BOOKLETS_PER_CHUNK booklets, the bytes drawn so
 * far are committed with the progress. A PDF cannot be resumed from the middle (the renderer's
 * object table is in memory): an interrupted job starts over and its first commit drops the
 * chunks of the earlier attempt. The file is downloadable only once the job is done.
 */
export const PRINT_FILE_JOB = 'print_file';
const BOOKLETS_PER_CHUNK = 50;

const params = z.object({ orderId: z.string(), profile: z.enum(PRINT_PROFILES), publicUrl: z.string() });

// Per organisation: the buyer and the operator each follow (and download) their own file.
const subjectOf = (orderId: string, profile: PrintProfile, organisationId: string) => `${orderId}:${profile}:${organisationId}`;

/**
 * The job building this file: one already queued or running, or a finished one whose file is
 * still kept, or a new one. Access was checked by the caller (orderPrintJob).
 */
export function startPrintFileJob(deps: { db: Db; clock: Clock; actor: Actor; orderId: string; profile: PrintProfile; publicUrl: string; total: number }): string {
  const { db, clock, actor, orderId, profile } = deps;
  return db.transaction(
    (tx) => {
      const subject = subjectOf(orderId, profile, actor.organisationId);
      const pending = findPendingJob(tx, PRINT_FILE_JOB, subject);
      if (pending) return pending.id;
      const kept = findLatestJob(tx, { kind: PRINT_FILE_JOB, subject, organisationId: actor.organisationId, onlyDone: true });
      if (kept && fileAvailable(tx, kept.id)) return kept.id;
      return insertJob(tx, {
        kind: PRINT_FILE_JOB,
        params: { orderId, profile, publicUrl: deps.publicUrl },
        total: deps.total,
        subject,
        organisationId: actor.organisationId,
        startedByUserId: actor.userId,
        now: clock.now(),
      });
    },
    { behavior: 'immediate' },
  );
}

export function printFileHandler(db: Db): StreamJobHandler {
  return {
    kind: PRINT_FILE_JOB,
    async run({ job, commit }) {
      const { orderId, profile, publicUrl } = params.parse(job.params);
      const order = findOrderById(db, orderId);
      if (!order) throw new Error(`commande ${orderId} introuvable`);
      const file = orderPrintFile(db, order, publicUrl, profile);
      const total = file.bookletCount;
      // A new attempt starts a new file.
      commit((tx) => {
        clearFileChunks(tx, job.id);
        return { done: 0, total, finished: false };
      });
      let pending: Buffer[] = [];
      const take = () => {
        const bytes = Buffer.concat(pending);
        pending = [];
        return bytes;
      };
      const out = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          pending.push(chunk);
          callback();
        },
      });
      let drawn = 0;
      async function* counted() {
        for (const booklet of file.booklets) {
          yield booklet;
          drawn++;
          if (drawn % BOOKLETS_PER_CHUNK === 0 && drawn < total) {
            commit((tx) => {
              appendFileChunk(tx, job.id, take());
              return { done: drawn, total, finished: false };
            });
          }
        }
      }
      await renderBookletsPdf(out, counted(), { proofWatermark: file.proofWatermark, publicUrl, profile: file.profile });
      commit((tx) => {
        appendFileChunk(tx, job.id, take());
        setJobFile(tx, job.id, { name: file.filename, type: 'application/pdf' }, { bookletCount: drawn });
        return { done: total, total, finished: true };
      });
    },
  };
}

export interface PrintFileState {
  profile: PrintProfile;
  jobId: string | null;
  status: 'none' | 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  percent: number;
  fileUrl: string | null;
  error: string | null;
}

/** For the order page: the latest print-file job of each profile started by the actor's organisation. */
export function printFileStates(db: Db, actor: Actor, orderId: string): PrintFileState[] {
  return PRINT_PROFILES.map((profile) => {
    const job = findLatestJob(db, { kind: PRINT_FILE_JOB, subject: subjectOf(orderId, profile, actor.organisationId), organisationId: actor.organisationId });
    if (!job || (job.status === 'done' && !fileAvailable(db, job.id))) {
      return { profile, jobId: null, status: 'none', done: 0, total: 0, percent: 0, fileUrl: null, error: null };
    }
    return {
      profile,
      jobId: job.id,
      status: job.status,
      done: job.progressDone,
      total: job.progressTotal,
      percent: percentDone(job),
      fileUrl: job.status === 'done' ? `/api/v1/jobs/${job.id}/file` : null,
      error: job.error,
    };
  });
}
