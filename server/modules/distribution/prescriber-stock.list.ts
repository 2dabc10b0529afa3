import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { codeCell, dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, type ListView } from '../../shared/list-view.ts';
import type { Actor } from '../identity/actor.ts';
import { BOOKLET_STATUS_LABELS } from './distribution.schemas.ts';
import {
  countPrescriberStock,
  searchPrescriberStock,
  type PrescriberStockRow,
  type StockCriteria,
  type StockSort,
  type StockStatusGroup,
} from './prescriber-stock.repository.ts';

const GROUP_LABELS: Record<StockStatusGroup, string> = {
  a_distribuer: 'À distribuer',
  remis: 'Distribué (remis à un bénéficiaire)',
  bloque: 'Bloqué',
  expire: 'Expiré',
};

export const PRESCRIBER_STOCK_LIST: ListSpec<'statut', StockSort> = {
  path: '/mon-stock',
  searchLabel: 'Rechercher un carnet (numéro), une commande (CMD-…) ou un commanditaire',
  filters: {
    statut: {
      label: 'Statut',
      allLabel: 'Tous mes carnets',
      options: filterChoices(GROUP_LABELS),
    },
  },
  sorts: { statut: 'Statut (à distribuer d’abord)', numero: 'Numéro de carnet', commande: 'Commande', validite: 'Fin de validité' },
  defaultSort: { key: 'statut', dir: 'asc' },
};

/**
 * How a booklet's status reads to the prescriber. A booklet still to hand out of an order whose
 * buyer blocked what was not handed out (J-15, issue 18) must not be handed out: it is to give back.
 */
export function stockStatusLabel(row: Pick<PrescriberStockRow, 'status' | 'orderId'>, blockedOrders: ReadonlySet<string>): string {
  if (row.status !== 'allotted') return BOOKLET_STATUS_LABELS[row.status];
  return blockedOrders.has(row.orderId) ? 'Bloqué : à rendre' : 'À distribuer';
}

const csvColumns = (blockedOrders: ReadonlySet<string>): CsvColumn<PrescriberStockRow>[] => [
  { header: 'Numéro de carnet', value: (b) => codeCell(b.serial) },
  { header: 'Commande', value: (b) => b.orderReference },
  { header: 'Commanditaire', value: (b) => b.buyerName },
  { header: 'Statut', value: (b) => stockStatusLabel(b, blockedOrders) },
  { header: 'Pass', value: (b) => b.passCount },
  { header: 'Valable du', value: (b) => dateCell(b.validFrom) },
  { header: 'Valable au', value: (b) => dateCell(b.validUntil) },
  { header: 'Remis le', value: (b) => dateCell(b.distributedOn) },
];

/**
 * The prescriber's stock: one page of the search, or with `format=csv` every booklet matching it
 * (all pages, streamed). `blockedOrders` are the orders under the J-15 blocking.
 */
export function replyPrescriberStock(
  db: DbOrTx,
  actor: Actor,
  request: FastifyRequest,
  reply: FastifyReply,
  blockedOrders: ReadonlySet<string>,
  page: (rows: PrescriberStockRow[], list: ListView) => Record<string, unknown>,
) {
  const query = parseListQuery(PRESCRIBER_STOCK_LIST, request.query);
  const criteria: StockCriteria = { q: query.q, status: query.filters.statut as StockStatusGroup | undefined };
  const read = (window: ListWindow) => searchPrescriberStock(db, actor, criteria, query.sort, window);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'mon-stock-carnets.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), csvColumns(blockedOrders));
  const result = readListPage(query, () => countPrescriberStock(db, actor, criteria), read);
  return reply.renderPage('pages/distribution/stock.eta', page(result.items, buildListView(PRESCRIBER_STOCK_LIST, query, result)));
}
