import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { BookletStatus } from '../../../db/schema/booklets.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import type { Actor } from '../identity/actor.ts';
import { countOrderBooklets, pageOfOrderBooklets, type OrderBookletSort } from './booklets.repository.ts';
import { BOOKLET_STATUS_LABELS } from './booklets.schemas.ts';

type Row = ReturnType<typeof pageOfOrderBooklets>[number];

/** An order's booklets: by status, sorted and paged (the search by serial is the booklet search's). */
export const orderBookletList = (orderId: string): ListSpec<'statut', OrderBookletSort> => ({
  path: `/commandes/${orderId}/carnets`,
  searchLabel: '',
  filters: { statut: { label: 'Statut', allLabel: 'Tous les statuts', options: filterChoices(BOOKLET_STATUS_LABELS) } },
  sorts: { numero: 'Numéro de carnet', statut: 'Statut', detenteur: 'Détenteur' },
  defaultSort: { key: 'numero', dir: 'asc' },
});

export const ORDER_BOOKLET_CSV_COLUMNS: CsvColumn<Row>[] = [
  { header: 'Numéro de carnet', value: (b) => b.serial },
  { header: 'Position', value: (b) => b.position },
  { header: 'Statut', value: (b) => BOOKLET_STATUS_LABELS[b.status] },
  { header: 'Détenteur', value: (b) => b.holderName },
  { header: 'Pass', value: (b) => b.passCount },
];

/** The caller has checked that the actor may read the order; every row is still scoped to the actor. */
export function replyOrderBookletList(db: DbOrTx, actor: Actor, order: { id: string; reference: string }, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const spec = orderBookletList(order.id);
  const query = parseListQuery(spec, request.query);
  const criteria = { status: query.filters.statut as BookletStatus | undefined };
  const read = (window: ListWindow) => pageOfOrderBooklets(db, actor, order.id, criteria, query.sort, window);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, `carnets-${order.reference}.csv`, offsetPageReader(read, EXPORT_PAGE_SIZE), ORDER_BOOKLET_CSV_COLUMNS);
  const result = readListPage(query, () => countOrderBooklets(db, actor, order.id, criteria), read);
  return reply.renderPage('pages/booklets/list.eta', { ...page, booklets: result.items, statusLabels: BOOKLET_STATUS_LABELS, list: buildListView(spec, query, result) });
}
