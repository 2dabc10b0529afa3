import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell } from '../../shared/csv.ts';
import type { Clock } from '../../shared/clock.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { parisDate } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import {
  countDistributionOrders,
  searchDistributionOrders,
  type DistributionOrderCriteria,
  type DistributionOrderSort,
} from './distribution-orders.repository.ts';

type Row = ReturnType<typeof searchDistributionOrders>[number];

export const DISTRIBUTION_LIST: ListSpec<'validite', DistributionOrderSort> = {
  path: '/distribution',
  searchLabel: 'Rechercher une commande (CMD-…) ou un commanditaire',
  filters: {
    validite: {
      label: 'Validité',
      allLabel: 'Toutes les commandes',
      options: filterChoices({ current: 'Encore valables', ended: 'Validité terminée' }),
    },
  },
  sorts: { date: 'Date de la commande', reference: 'Référence', commanditaire: 'Commanditaire', validite: 'Fin de validité' },
  defaultSort: { key: 'date', dir: 'desc' },
};

export const DISTRIBUTION_CSV_COLUMNS: CsvColumn<Row>[] = [
  { header: 'Commande', value: (r) => r.order.reference },
  { header: 'Commanditaire', value: (r) => r.buyerName },
  { header: 'Valable du', value: (r) => dateCell(r.order.validFrom) },
  { header: 'Valable au', value: (r) => dateCell(r.order.validUntil) },
  { header: 'Prescripteurs', value: (r) => r.prescribers },
  { header: 'Carnets en stock', value: (r) => r.inStock },
  { header: 'Carnets confiés', value: (r) => r.allotted },
  { header: 'Carnets distribués', value: (r) => r.distributed },
  { header: 'Carnets bloqués', value: (r) => r.blocked },
];

/** The distribution page's orders: one page of the search, or with `format=csv` every matching order and its counts. */
export function replyDistributionList(deps: { db: DbOrTx; clock: Clock }, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: (rows: Row[], list: ReturnType<typeof buildListView>) => Record<string, unknown>) {
  const query = parseListQuery(DISTRIBUTION_LIST, request.query);
  const criteria: DistributionOrderCriteria = { q: query.q, today: parisDate(deps.clock.now()), validity: query.filters.validite as DistributionOrderCriteria['validity'] };
  const read = (window: ListWindow) => searchDistributionOrders(deps.db, actor, criteria, query.sort, window);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'distribution-commandes.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), DISTRIBUTION_CSV_COLUMNS);
  const result = readListPage(query, () => countDistributionOrders(deps.db, actor, criteria), read);
  return reply.renderPage('pages/distribution/orders.eta', page(result.items, buildListView(DISTRIBUTION_LIST, query, result)));
}
