import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { PayoutStatus } from '../../../db/schema/reimbursement.ts';
import { codeCell, euroCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { countBatchPayoutSearch, searchBatchPayouts, type BatchPayoutCriteria, type BatchPayoutListRow, type BatchPayoutSort } from './batch-payout-list.repository.ts';

/** A payout's status in finance's words, as the batch page has always shown it. */
export const PAYOUT_STATUS_LABELS: Record<PayoutStatus, string> = { pending: 'Prêt', approved: 'Émis', paid: 'Payé', rejected: 'Rejeté' };

/**
 * Declared once: the search, filter and sorts of a batch's payouts. The path is the batch's own
 * page, set per batch. The filter's label names the transfer, so that it never shares words with
 * the page's forms (« Virements exécutés le », « Motif du rejet pour … »).
 */
export const BATCH_PAYOUT_LIST: ListSpec<'statut', BatchPayoutSort> = {
  path: '/finances/remboursements',
  searchLabel: 'Rechercher un lieu, un relevé (RB-…) ou un SIRET',
  filters: { statut: { label: 'Statut du virement au lieu', allLabel: 'Tous les statuts', options: filterChoices(PAYOUT_STATUS_LABELS) } },
  sorts: { lieu: 'Lieu', montant: 'Montant', pass: 'Pass' },
  defaultSort: { key: 'lieu', dir: 'asc' },
};

export const BATCH_PAYOUT_CSV_COLUMNS: CsvColumn<BatchPayoutListRow>[] = [
  { header: 'Lieu', value: (r) => r.placeName },
  { header: 'SIRET', value: (r) => codeCell(r.placeSiret) },
  { header: 'Relevé', value: (r) => r.payout.reference },
  { header: 'Pass', value: (r) => r.payout.lineCount },
  { header: 'Montant (€)', value: (r) => euroCell(r.payout.amountCents) },
  { header: 'Statut', value: (r) => PAYOUT_STATUS_LABELS[r.payout.status] },
  { header: 'Motif du rejet', value: (r) => r.payout.rejectionReason },
];

/**
 * The payouts of a batch on its page: one page of the search, or with `format=csv` (GET only: a
 * refused form re-renders the same page) every matching payout. `page` carries the rest of the page
 * (progress, approval and payment forms, the form error of a refused action).
 */
export function replyBatchPayoutList(
  db: DbOrTx,
  batch: { id: string; period: string },
  request: FastifyRequest,
  reply: FastifyReply,
  page: Record<string, unknown>,
) {
  const spec = { ...BATCH_PAYOUT_LIST, path: `/finances/remboursements/${batch.id}` };
  // A refused form is a POST whose address is not the page's: its list shows the default view.
  const query = parseListQuery(spec, request.method === 'GET' ? request.query : {});
  const criteria: BatchPayoutCriteria = { q: query.q, status: query.filters.statut as PayoutStatus | undefined };
  const read = (window: ListWindow) => searchBatchPayouts(db, batch.id, criteria, query.sort, window);
  if (request.method === 'GET' && wantsCsv(request)) {
    return sendAllPagesCsv(reply, `virements-${batch.period}.csv`, offsetPageReader(read, EXPORT_PAGE_SIZE), BATCH_PAYOUT_CSV_COLUMNS);
  }
  const result = readListPage(query, () => countBatchPayoutSearch(db, batch.id, criteria), read);
  return reply.renderPage('pages/finance/batch.eta', {
    ...page,
    payouts: result.items,
    payoutStatusLabels: PAYOUT_STATUS_LABELS,
    list: buildListView(spec, query, result),
  });
}
