import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { Readable } from 'node:stream';
import { fileAvailable, fileChunks, fileSize, markDownloaded } from './job-files.repository.ts';
import { errorResponses, id } from '../../shared/schemas.ts';
import { findJobForOrganisation } from './jobs.repository.ts';
import { JobRunner } from './jobs.runner.ts';
import { jobView, toJobView } from './jobs.schemas.ts';
import { Scheduler } from './scheduler.ts';
import { jobsPages } from './jobs.pages.ts';
import { jobFileGone, jobNotDone, jobNotFound } from './jobs.errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs long work in chunks (see jobs.runner.ts); modules register their handlers on it. */
    jobs: JobRunner;
    /** Scheduled tasks: `app.scheduler.register({ name, cron, run })` from any module, before the app is ready. */
    scheduler: Scheduler;
  }
}

const jobsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/jobs/:jobId',
    {
      config: allow('*'),
      schema: {
        summary: 'Un travail de fond (émission d’une grande commande…) : état et progression',
        tags: ['Exploitation'],
        params: z.object({ jobId: id }),
        response: { 200: jobView, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const job = findJobForOrganisation(app.db, actor.organisationId, request.params.jobId);
      if (!job) throw jobNotFound();
      return toJobView(job);
    },
  );

  r.get(
    '/jobs/:jobId/file',
    {
      config: allow('*'),
      schema: {
        summary: 'Le fichier produit par un travail de fond (FEC de l’année, grand fichier d’impression), une fois terminé',
        description: 'Conservé jusqu’à son premier téléchargement, puis un jour encore. 409 `job_not_done` tant que le travail tourne, 410 `job_file_gone` après.',
        tags: ['Exploitation'],
        params: z.object({ jobId: id }),
        produces: ['application/pdf', 'text/plain'],
        response: { 200: z.any().describe('Le fichier'), ...errorResponses(401, 404, 409, 410) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const job = findJobForOrganisation(app.db, actor.organisationId, request.params.jobId);
      if (!job || (job.status === 'done' && !job.fileName)) throw jobNotFound();
      if (job.status !== 'done') throw jobNotDone();
      if (!fileAvailable(app.db, job.id)) throw jobFileGone();
      markDownloaded(app.db, job.id, app.clock.now());
      return reply
        .type(job.fileType ?? 'application/octet-stream')
        .header('content-length', fileSize(app.db, job.id))
        .header('content-disposition', `attachment; filename="${job.fileName}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(fileChunks(app.db, job.id)));
    },
  );
};

/**
 * The job runner of this process, shared by every module (fp: decorations visible to all). It runs
 * only when JOBS is not false; otherwise another process on the same database runs the queue.
 */
export const jobsModule = fp(async (app) => {
  const runner = new JobRunner({
    db: app.db,
    clock: app.clock,
    log: app.log,
    leaseMs: app.config.jobLeaseMs,
  });
  const scheduler = new Scheduler({ db: app.db, clock: app.clock, log: app.log });
  app.decorate('jobs', runner);
  app.decorate('scheduler', scheduler);
  if (app.config.jobsEnabled !== false) {
    app.addHook('onReady', async () => {
      runner.start();
      scheduler.start();
    });
  }
  // Graceful shutdown: the job in progress ends its current chunk and is given back; a running task finishes.
  app.addHook('onClose', async () => {
    await runner.stop();
    await scheduler.stop();
  });
  await app.register(jobsApi, { prefix: '/api/v1' });
  await app.register(jobsPages);
});
