import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { decodeCursor, toPage } from '../../shared/pagination.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { outboxItemView, outboxQuery } from './notifications.schemas.ts';
import { listOutbox, resendOutboxMessage } from './notifications.service.ts';

export const notificationsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/outbox',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Courriels envoyés (et à envoyer), du plus récent au plus ancien',
        tags: ['Courriels'],
        querystring: outboxQuery,
        response: { 200: listOf(outboxItemView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, cursor, status, to } = request.query;
      const rows = listOutbox({ db: app.db, actor: requireActor(request), limit, after: decodeCursor(cursor), status, to });
      return toPage(rows, limit);
    },
  );

  r.post(
    '/outbox/:messageId/resend',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Renvoyer un courriel en échec (nouvelle série d’essais)',
        tags: ['Courriels'],
        params: z.object({ messageId: id }),
        response: { 200: outboxItemView, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => resendOutboxMessage({ db: app.db, clock: app.clock, actor: requireActor(request), messageId: request.params.messageId }),
  );
};
