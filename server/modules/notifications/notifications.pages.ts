import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { decodeCursor, toPage } from '../../shared/pagination.ts';
import { outboxQuery, STATUS_LABELS } from './notifications.schemas.ts';
import { listOutbox, resendOutboxMessage, showOutboxMessage } from './notifications.service.ts';
import { countByStatus } from './outbox.repository.ts';

const hide = { hide: true };
const messageParams = z.object({ messageId: z.string().max(64) });

/** "Courriels envoyés": what left (or will leave) the platform, each message readable with its link. */
export const notificationsPages: FastifyPluginAsync = async (app) => {
  app.get('/courriels', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const actor = requireActor(request);
    const query = outboxQuery.safeParse(request.query);
    const { limit, cursor, status, to } = query.success ? query.data : outboxQuery.parse({});
    const page = toPage(listOutbox({ db: app.db, actor, limit, after: decodeCursor(cursor), status, to }), limit);
    return reply.renderPage('pages/notifications/outbox.eta', {
      title: 'Courriels envoyés',
      messages: page.items,
      nextCursor: page.nextCursor,
      status: status ?? null,
      counts: countByStatus(app.db),
      statusLabels: STATUS_LABELS,
      transport: app.outbox.description,
    });
  });

  const renderMessagePage = (request: Parameters<typeof requireActor>[0], messageId: string, extra: Record<string, unknown> = {}) =>
    ({
      title: 'Courriel',
      message: showOutboxMessage({ db: app.db, actor: requireActor(request), messageId, publicUrl: app.config.publicUrl }),
      statusLabels: STATUS_LABELS,
      ...extra,
    }) as Record<string, unknown>;

  app.get('/courriels/:messageId', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const { messageId } = messageParams.parse(request.params);
    const success = (request.query as Record<string, string | undefined>).message === 'renvoye' ? 'Le message repart : il sera envoyé dans quelques secondes.' : undefined;
    return reply.renderPage('pages/notifications/message.eta', renderMessagePage(request, messageId, { success }));
  });

  app.post('/courriels/:messageId/renvoyer', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const { messageId } = messageParams.parse(request.params);
    resendOutboxMessage({ db: app.db, clock: app.clock, actor: requireActor(request), messageId });
    return reply.redirect(`/courriels/${messageId}?message=renvoye`, 303);
  });
};
