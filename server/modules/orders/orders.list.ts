import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell, euroCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, monthFilter, parseListQuery, readListPage, type ListSpec } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Actor } from '../identity/actor.ts';
import { ORDER_STATUS_LABELS } from './orders.schemas.ts';
import { countOrders, searchOrders, type OrderCriteria, type OrderSort } from './orders.repository.ts';
import { orderToView } from './orders.service.ts';

type OrderView = ReturnType<typeof orderToView>;

export const ORDER_LIST: ListSpec<'statut' | 'mois' | 'financement', OrderSort> = {
  path: '/commandes',
  searchLabel: 'Rechercher une référence (CMD-…) ou un commanditaire',
  filters: {
    statut: { label: 'Statut', allLabel: 'Tous les statuts', options: filterChoices(ORDER_STATUS_LABELS) },
    mois: monthFilter('Mois de la commande'),
    financement: {
      label: 'Financement',
      allLabel: 'Financées ou non',
      options: filterChoices({ oui: 'Financées', non: 'Pas encore financées' }),
    },
  },
  sorts: { date: 'Date', reference: 'Référence', commanditaire: 'Commanditaire', total: 'Total', carnets: 'Carnets' },
  defaultSort: { key: 'date', dir: 'desc' },
};

export const ORDER_CSV_COLUMNS: CsvColumn<OrderView>[] = [
  { header: 'Référence', value: (o) => o.reference },
  { header: 'Commanditaire', value: (o) => o.buyerName },
  { header: 'Statut', value: (o) => ORDER_STATUS_LABELS[o.status] },
  { header: 'Financée', value: (o) => (o.funded ? 'oui' : 'non') },
  { header: 'Carnets', value: (o) => o.bookletCount },
  { header: 'Pass par carnet', value: (o) => o.passesPerBooklet },
  { header: 'Valeur faciale (€)', value: (o) => euroCell(o.faceValueCents) },
  { header: 'Total (€)', value: (o) => euroCell(o.totalCents) },
  { header: 'Part État (€)', value: (o) => euroCell(o.stateShareCents) },
  { header: 'Part commanditaire (€)', value: (o) => euroCell(o.buyerShareCents) },
  { header: 'Validité du', value: (o) => dateCell(o.validFrom) },
  { header: 'Validité au', value: (o) => dateCell(o.validUntil) },
  { header: 'Soumise le', value: (o) => dateCell(o.submittedAt) },
];

/** The orders page: one page of the search as HTML, or with `format=csv` every matching order. */
export function replyOrderList(deps: { db: DbOrTx; clock: Clock }, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(ORDER_LIST, request.query);
  const f = query.filters;
  const criteria: OrderCriteria = {
    q: query.q,
    status: f.statut as OrderCriteria['status'],
    month: f.mois,
    funded: f.financement ? f.financement === 'oui' : undefined,
  };
  const read = (window: { limit: number; offset: number }) =>
    searchOrders(deps.db, actor, criteria, query.sort, window).map((row) => orderToView(row.order, row.buyerName));
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'commandes.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), ORDER_CSV_COLUMNS);
  const result = readListPage(query, () => countOrders(deps.db, actor, criteria), read);
  return reply.renderPage('pages/orders/list.eta', {
    ...page,
    orders: result.items,
    statusLabels: ORDER_STATUS_LABELS,
    list: buildListView(ORDER_LIST, query, result, { mois: recentMonthOptions(deps.clock.now()) }),
  });
}
