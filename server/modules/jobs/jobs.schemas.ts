import { z } from 'zod';
import { JOB_STATUSES } from '../../../db/schema/jobs.ts';
import type { JobRow } from './jobs.repository.ts';

export const jobView = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  error: z.string().optional(),
  /** What the job did, as the synchronous path answers it (counts, the batch built…). */
  result: z.record(z.string(), z.unknown()).optional(),
  /** A job that builds a file: where to download it once done. */
  file: z.object({ name: z.string(), url: z.string() }).optional(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type JobView = z.infer<typeof jobView>;

export const jobAccepted = z.object({ jobId: z.string() }).describe('Travail accepté : suivez-le sur GET /api/v1/jobs/{jobId}');

export function toJobView(job: JobRow): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    progress: { done: job.progressDone, total: job.progressTotal },
    ...(job.error ? { error: job.error } : {}),
    ...(job.result ? { result: job.result } : {}),
    ...(job.status === 'done' && job.fileName ? { file: { name: job.fileName, url: `/api/v1/jobs/${job.id}/file` } } : {}),
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}

/** Percent for a progress bar: whole numbers, 100 only when done. */
export function percentDone(job: Pick<JobRow, 'progressDone' | 'progressTotal' | 'status'>): number {
  if (job.status === 'done') return 100;
  if (job.progressTotal <= 0) return 0;
  return Math.min(99, Math.floor((job.progressDone * 100) / job.progressTotal));
}
