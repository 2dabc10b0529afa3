import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { BatchStatus } from '../../../db/schema/reimbursement.ts';
import type { Clock } from '../../shared/clock.ts';
import { dateCell, euroCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, monthFilter, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import { countBatchSearch, searchBatches, type BatchCriteria, type BatchSort } from './batch-list.repository.ts';
import { BATCH_STATUS_LABELS, type BatchRow } from './reimbursement.repository.ts';

/** Declared once: the batches page's search, filters and sorts (issue 16, « Lists people can work with »). */
export const BATCH_LIST: ListSpec<'statut' | 'mois', BatchSort> = {
  path: '/finances/remboursements',
  searchLabel: 'Rechercher un virement (RB-…), un lieu ou un mois (AAAA-MM)',
  filters: {
    statut: { label: 'Statut', allLabel: 'Tous les statuts', options: filterChoices(BATCH_STATUS_LABELS) },
    mois: monthFilter('Mois remboursé'),
  },
  sorts: { mois: 'Mois remboursé', montant: 'Montant', virements: 'Virements', pass: 'Pass' },
  defaultSort: { key: 'mois', dir: 'desc' },
};

export const BATCH_CSV_COLUMNS: CsvColumn<BatchRow>[] = [
  { header: 'Mois remboursé', value: (b) => b.period },
  { header: 'Statut', value: (b) => BATCH_STATUS_LABELS[b.status] },
  { header: 'Virements', value: (b) => b.payoutCount },
  { header: 'Pass', value: (b) => b.lineCount },
  { header: 'Montant (€)', value: (b) => euroCell(b.totalCents) },
  { header: 'Identifiant SEPA', value: (b) => b.messageId },
  { header: 'Exécution demandée le', value: (b) => dateCell(b.requestedExecutionDate) },
  { header: 'Payé le', value: (b) => dateCell(b.paidOn) },
];

/**
 * The batches page: one page of the search, or with `format=csv` every matching batch. `decorate`
 * adds what a row shows beyond the batch (the progress of a batch being built); `page` carries the
 * rest of the page (the form to prepare a batch, the activity chart).
 */
export function replyBatchList<T extends BatchRow>(
  deps: { db: DbOrTx; clock: Clock },
  request: FastifyRequest,
  reply: FastifyReply,
  decorate: (batch: BatchRow) => T,
  page: (batches: T[]) => Record<string, unknown>,
) {
  const query = parseListQuery(BATCH_LIST, request.query);
  const criteria: BatchCriteria = { q: query.q, status: query.filters.statut as BatchStatus | undefined, month: query.filters.mois };
  const read = (window: ListWindow) => searchBatches(deps.db, criteria, query.sort, window);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'lots-de-remboursement.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), BATCH_CSV_COLUMNS);
  const result = readListPage(query, () => countBatchSearch(deps.db, criteria), read);
  const batches = result.items.map(decorate);
  return reply.renderPage('pages/finance/batches.eta', {
    ...page(batches),
    batches,
    statusLabels: BATCH_STATUS_LABELS,
    list: buildListView(BATCH_LIST, query, result, { mois: recentMonthOptions(deps.clock.now()) }),
  });
}
