import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { dateCell, euroCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, monthFilter, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import { countPlaceStatementSearch, searchPlaceStatements, type PlaceStatementCriteria, type PlaceStatementSort, type TransferState } from './place-statement-list.repository.ts';

const TRANSFER_FILTER_LABELS: Record<TransferState, string> = { paid: 'Payés', upcoming: 'À venir', rejected: 'Rejetés (repris au lot suivant)' };

/** Declared once: the statements page of a place (issue 16, « Lists people can work with »). */
export const PLACE_STATEMENT_LIST: ListSpec<'virement' | 'mois', PlaceStatementSort> = {
  path: '/releves',
  searchLabel: 'Rechercher un relevé (RB-…) ou un mois (AAAA-MM)',
  filters: {
    virement: { label: 'Virement', allLabel: 'Tous les virements', options: filterChoices(TRANSFER_FILTER_LABELS) },
    mois: monthFilter('Mois remboursé'),
  },
  sorts: { mois: 'Mois remboursé', montant: 'Montant', pass: 'Pass' },
  defaultSort: { key: 'mois', dir: 'desc' },
};

type Row = ReturnType<typeof searchPlaceStatements>[number];

/** One statement as the page and the CSV show it: where its transfer stands and on which date. */
export interface PlaceStatementItem extends Row {
  transfer: 'paid' | 'rejected' | 'scheduled' | 'preparing';
  /** The bank's execution date when paid (the payout's own, else its batch's), the requested one when scheduled. */
  transferDate: string | null;
}

function toItem(row: Row): PlaceStatementItem {
  if (row.payout.status === 'paid') return { ...row, transfer: 'paid', transferDate: row.payout.paidOn ?? row.batchPaidOn };
  if (row.payout.status === 'rejected') return { ...row, transfer: 'rejected', transferDate: null };
  return { ...row, transfer: row.executionDate ? 'scheduled' : 'preparing', transferDate: row.executionDate };
}

const TRANSFER_CSV_LABELS: Record<PlaceStatementItem['transfer'], string> = {
  paid: 'Payé',
  rejected: 'Rejeté : repris au prochain lot',
  scheduled: 'Prévu',
  preparing: 'En préparation',
};

export const PLACE_STATEMENT_CSV_COLUMNS: CsvColumn<PlaceStatementItem>[] = [
  { header: 'Mois remboursé', value: (s) => s.period },
  { header: 'Référence', value: (s) => s.payout.reference },
  { header: 'Pass', value: (s) => s.payout.lineCount },
  { header: 'Montant (€)', value: (s) => euroCell(s.payout.amountCents) },
  { header: 'Virement', value: (s) => TRANSFER_CSV_LABELS[s.transfer] },
  { header: 'Date du virement', value: (s) => dateCell(s.transferDate) },
];

/** The statements page of the place `placeId` (the caller's own): one page, or with `format=csv` every matching statement. */
export function replyPlaceStatementList(deps: { db: DbOrTx; clock: Clock }, placeId: string, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(PLACE_STATEMENT_LIST, request.query);
  const criteria: PlaceStatementCriteria = { q: query.q, transfer: query.filters.virement as TransferState | undefined, month: query.filters.mois };
  const read = (window: ListWindow) => searchPlaceStatements(deps.db, placeId, criteria, query.sort, window).map(toItem);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'releves.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), PLACE_STATEMENT_CSV_COLUMNS);
  const result = readListPage(query, () => countPlaceStatementSearch(deps.db, placeId, criteria), read);
  return reply.renderPage('pages/finance/statements.eta', {
    ...page,
    statements: result.items,
    list: buildListView(PLACE_STATEMENT_LIST, query, result, { mois: recentMonthOptions(deps.clock.now()) }),
  });
}
