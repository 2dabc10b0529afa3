import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { notFound } from '../../shared/problem.ts';
import { errorResponses, id } from '../../shared/schemas.ts';
import { findJobForOrganisation } from './jobs.repository.ts';
import { JobRunner, type JobEvents } from './jobs.runner.ts';
import { jobView, toJobView } from './jobs.schemas.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs long work in chunks (see jobs.runner.ts); modules register their handlers on it. */
    jobs: JobRunner;
    /** Told of every job's end (metrics listen here). */
    jobEvents: Required<JobEvents>[];
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
      if (!job) throw notFound('job_not_found', 'Travail introuvable.');
      return toJobView(job);
    },
  );
};

/**
 * The job runner of this process, shared by every module (fp: decorations visible to all). It runs
 * only when JOBS is not false; otherwise another process on the same database runs the queue.
 */
export const jobsModule = fp(async (app) => {
  const listeners: Required<JobEvents>[] = [];
  const runner = new JobRunner({
    db: app.db,
    clock: app.clock,
    log: app.log,
    leaseMs: app.config.jobLeaseMs,
    onFinished: (job, outcome, error) => {
      for (const listener of listeners) listener.onFinished(job, outcome, error);
    },
  });
  app.decorate('jobs', runner);
  app.decorate('jobEvents', listeners);
  if (app.config.jobsEnabled !== false) app.addHook('onReady', async () => runner.start());
  // Graceful shutdown: the job in progress ends its current chunk and is given back.
  app.addHook('onClose', async () => runner.stop());
  await app.register(jobsApi, { prefix: '/api/v1' });
});
