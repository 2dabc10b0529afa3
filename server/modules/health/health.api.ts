import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { migrationsApplied } from '../../../db/client.ts';
import { publicAccess } from '../../plugins/auth.ts';
import { readinessProblem } from '../operations/readiness.ts';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/healthz',
    {
      config: publicAccess,
      schema: { summary: 'Le processus répond (liveness)', tags: ['Exploitation'], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  r.get(
    '/readyz',
    {
      config: publicAccess,
      schema: {
        summary: 'La base est joignable et à jour (readiness)',
        tags: ['Exploitation'],
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('not_ready'), reason: z.string(), detail: z.string().optional() }),
        },
      },
    },
    async (_request, reply) => {
      if (!migrationsApplied(app.db)) return reply.code(503).send({ status: 'not_ready' as const, reason: 'migrations' });
      const problem = readinessProblem({ db: app.db, clock: app.clock, checkpointer: app.checkpointer, minFreeDiskBytes: app.config.minFreeDiskBytes ?? 0 });
      if (problem) return reply.code(503).send({ status: 'not_ready' as const, ...problem });
      return { status: 'ready' as const };
    },
  );
};
