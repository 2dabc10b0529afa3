import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow } from '../../plugins/auth.ts';
import { errorResponses, listOf } from '../../shared/schemas.ts';
import { listSecurityEvents } from './security-events.repository.ts';

export const securityEventView = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: z.string(),
  userId: z.string().nullable(),
  organisationId: z.string().nullable(),
  actorUserId: z.string().nullable(),
  ip: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
});

export const securityApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/security-events',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Journal de sécurité (connexions, second facteur, jetons, mots de passe, coordonnées bancaires), du plus récent au plus ancien',
        tags: ['Sécurité'],
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z.string().regex(/^\d{1,15}$/).optional().describe('Identifiant du dernier événement de la page précédente'),
        }),
        response: { 200: listOf(securityEventView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const items = listSecurityEvents(app.db, { limit, beforeId: cursor === undefined ? undefined : Number(cursor) });
      return { items, nextCursor: items.length === limit ? String(items.at(-1)!.id) : null };
    },
  );
};
