import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { STATUS_LABELS } from './notifications.schemas.ts';
import { assertOperatorAdmin, outboxItemToView, resendOutboxMessage, showOutboxMessage } from './notifications.service.ts';
import { countByStatus, countOutboxSearch, searchOutbox, type OutboxSort } from './outbox.repository.ts';

const hide = { hide: true };

type OutboxStatus = keyof typeof STATUS_LABELS;
type OutboxItem = ReturnType<typeof outboxItemToView>;

const OUTBOX_LIST: ListSpec<'statut', OutboxSort> = {
  path: '/courriels',
  searchLabel: 'Rechercher par destinataire ou objet',
  filters: { statut: { label: 'Statut', allLabel: 'Tous les statuts', options: filterChoices(STATUS_LABELS) } },
  sorts: { date: 'Date', destinataire: 'Destinataire', objet: 'Objet' },
  defaultSort: { key: 'date', dir: 'desc' },
};

const OUTBOX_CSV_COLUMNS: CsvColumn<OutboxItem>[] = [
  { header: 'Destinataire', value: (m) => m.to },
  { header: 'Objet', value: (m) => m.subject },
  { header: 'Statut', value: (m) => STATUS_LABELS[m.status] },
  { header: 'Essais', value: (m) => m.attempts },
  { header: 'Créé le', value: (m) => dateCell(m.createdAt) },
  { header: 'Envoyé le', value: (m) => dateCell(m.sentAt) },
];
const messageParams = z.object({ messageId: z.string().max(64) });

/** "Courriels envoyés": what left (or will leave) the platform, each message readable with its link. */
export const notificationsPages: FastifyPluginAsync = async (app) => {
  app.get('/courriels', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const actor = requireActor(request);
    assertOperatorAdmin(actor);
    const query = parseListQuery(OUTBOX_LIST, request.query);
    const criteria = { q: query.q, status: query.filters.statut as OutboxStatus | undefined };
    const read = (window: ListWindow) => searchOutbox(app.db, criteria, query.sort, window).map(outboxItemToView);
    if (wantsCsv(request)) return sendAllPagesCsv(reply, 'courriels.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), OUTBOX_CSV_COLUMNS);
    const result = readListPage(query, () => countOutboxSearch(app.db, criteria), read);
    return reply.renderPage('pages/notifications/outbox.eta', {
      title: 'Courriels envoyés',
      messages: result.items,
      list: buildListView(OUTBOX_LIST, query, result),
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
