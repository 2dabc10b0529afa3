import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { id } from '../../shared/schemas.ts';
import { fileAvailable } from './job-files.repository.ts';
import { findJobForOrganisation } from './jobs.repository.ts';
import { percentDone } from './jobs.schemas.ts';
import { jobNotFound } from './jobs.errors.ts';

/** What each kind of job is, in the words of its page. */
export const JOB_LABELS: Record<string, string> = {
  order_issuance: 'Émission des carnets d’une commande',
  print_file: 'Fichier d’impression',
  fec_export: 'Fichier des écritures comptables (FEC)',
  places_import: 'Import de lieux',
  reimbursement_batch: 'Préparation d’un lot de remboursement',
  expiry_run: 'Fin de validité des commandes échues',
};

/**
 * The page a long action sends its starter to: the job's progress bar, polled by job-progress.js
 * and refreshed every 3 s without JavaScript, then what it did and its file. `retour` is the page
 * to go back to (a local path only).
 */
export const jobsPages: FastifyPluginAsync = async (app) => {
  app.get('/travaux/:jobId', { schema: { hide: true }, config: allow('*') }, async (request, reply) => {
    const { jobId } = z.object({ jobId: id }).parse(request.params);
    const { retour } = z.object({ retour: z.string().regex(/^\/(?!\/)[\w\-/.~%?=&]*$/).optional().catch(undefined) }).parse(request.query);
    const job = findJobForOrganisation(app.db, requireActor(request).organisationId, jobId);
    if (!job) throw jobNotFound();
    const pending = job.status === 'queued' || job.status === 'running';
    const file = job.status === 'done' && job.fileName ? { name: job.fileName, url: `/api/v1/jobs/${job.id}/file`, available: fileAvailable(app.db, job.id) } : null;
    return reply.renderPage('pages/jobs/show.eta', {
      title: JOB_LABELS[job.kind] ?? 'Travail de fond',
      job: { id: job.id, status: job.status, done: job.progressDone, total: job.progressTotal, percent: percentDone(job), error: job.error, result: job.result },
      summary: typeof job.result?.summary === 'string' ? job.result.summary : null,
      file,
      back: retour ?? null,
      refreshSeconds: pending ? 3 : undefined,
      scripts: pending ? ['/static/js/job-progress.js'] : undefined,
    });
  });
};
