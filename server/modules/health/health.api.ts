import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { migrationsApplied } from '../../../db/client.ts';
import { publicAccess } from '../../plugins/auth.ts';

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
          503: z.object({ status: z.literal('not_ready'), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      if (!migrationsApplied(app.db)) return reply.code(503).send({ status: 'not_ready' as const, reason: 'migrations' });
      return { status: 'ready' as const };
    },
  );
};
