import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell, euroCell } from '../../shared/csv.ts';
import type { Clock } from '../../shared/clock.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, monthFilter, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { countInvoiceSearch, searchInvoices, type InvoiceCriteria, type InvoiceSort } from './invoices.repository.ts';
import { invoiceToView } from './invoices.service.ts';
import { goesThroughChorusPro } from './chorus-pro.ts';
import { CHORUS_CSV_COLUMNS, CHORUS_LIST_FILTER, chorusCriterion, chorusFilterOptions, withChorusStatuses, type WithChorus } from './chorus-pro.list.ts';

export const INVOICE_PARTY_LABELS = { buyer: 'Commanditaire', state: 'État (cofinancement)' } as const;
export const INVOICE_STATUS_LABELS = { unpaid: 'À payer', partially_paid: 'Partiellement payée', paid: 'Payée' } as const;

type InvoiceView = ReturnType<typeof invoiceToView>;
type InvoiceListItem = InvoiceView & { buyerName: string; public: boolean } & WithChorus;

/** Declared once: the invoices page's filters. Another filter is one more entry here and in the criteria. */
export const INVOICE_LIST: ListSpec<'statut' | 'destinataire' | 'mois' | 'depot', InvoiceSort> = {
  path: '/finances/factures',
  searchLabel: 'Rechercher un numéro (FAC-…, CMD-…) ou un commanditaire',
  filters: {
    statut: {
      label: 'Paiement',
      allLabel: 'Tous les états',
      options: filterChoices(INVOICE_STATUS_LABELS),
    },
    destinataire: {
      label: 'Destinataire',
      allLabel: 'Tous les destinataires',
      options: filterChoices(INVOICE_PARTY_LABELS),
    },
    mois: monthFilter('Mois d’émission'),
    depot: CHORUS_LIST_FILTER,
  },
  sorts: { date: 'Date d’émission', numero: 'Numéro', commanditaire: 'Commanditaire', total: 'Total', echeance: 'Échéance' },
  defaultSort: { key: 'date', dir: 'desc' },
};

/** What an invoice says (party, dates, amounts, status): the same columns in the API's CSV and the page's. */
export const INVOICE_FIGURE_COLUMNS: CsvColumn<InvoiceView>[] = [
  { header: 'Destinataire', value: (i) => INVOICE_PARTY_LABELS[i.party] },
  { header: 'Émise le', value: (i) => dateCell(i.issuedOn) },
  { header: 'Échéance', value: (i) => dateCell(i.dueOn) },
  { header: 'Valeur des pass (€)', value: (i) => euroCell(i.passValueCents) },
  { header: 'Frais HT (€)', value: (i) => euroCell(i.feeCents) },
  { header: 'TVA (€)', value: (i) => euroCell(i.vatCents) },
  { header: 'Total (€)', value: (i) => euroCell(i.totalCents) },
  { header: 'Payé (€)', value: (i) => euroCell(i.paidCents) },
  { header: 'Statut', value: (i) => INVOICE_STATUS_LABELS[i.status] },
];

export const INVOICE_CSV_COLUMNS: CsvColumn<InvoiceListItem>[] = [
  { header: 'Numéro', value: (i) => i.number },
  { header: 'Commande', value: (i) => i.orderReference },
  { header: 'Commanditaire', value: (i) => i.buyerName },
  ...INVOICE_FIGURE_COLUMNS,
  ...CHORUS_CSV_COLUMNS,
];

/**
 * The invoices page: one page of the search, or with `format=csv` every matching invoice. `page`
 * carries the rest of the page (title, the Factur-X ZIP form and its errors when it was refused).
 */
export function replyInvoiceList(deps: { db: DbOrTx; clock: Clock }, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  // A buyer reads its own invoices only: the recipient filter is the operator's.
  const { statut, mois, depot } = INVOICE_LIST.filters;
  const spec = isOperator(actor) ? INVOICE_LIST : { ...INVOICE_LIST, filters: { statut, mois, depot } as typeof INVOICE_LIST.filters };
  const query = parseListQuery(spec, request.query);
  const criteria: InvoiceCriteria = {
    q: query.q,
    status: query.filters.statut as InvoiceCriteria['status'],
    party: query.filters.destinataire as InvoiceCriteria['party'],
    month: query.filters.mois,
    chorus: chorusCriterion(query.filters.depot),
  };
  const read = (window: ListWindow): InvoiceListItem[] =>
    withChorusStatuses(
      deps.db,
      'invoice',
      searchInvoices(deps.db, actor, criteria, query.sort, window).map((row) => ({
        ...invoiceToView(row.invoice, row.orderReference),
        buyerName: row.buyerName,
        public: goesThroughChorusPro({ party: row.invoice.party, buyerType: row.buyerType }),
      })),
    );
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'factures.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), INVOICE_CSV_COLUMNS);
  const result = readListPage(query, () => countInvoiceSearch(deps.db, actor, criteria), read);
  return reply.renderPage('pages/finance/invoices.eta', {
    ...page,
    invoices: result.items,
    statusLabels: INVOICE_STATUS_LABELS,
    partyLabels: INVOICE_PARTY_LABELS,
    list: buildListView(spec, query, result, {
      mois: recentMonthOptions(deps.clock.now()),
      depot: chorusFilterOptions(countInvoiceSearch(deps.db, actor, { ...criteria, chorus: 'pending' })),
    }),
  });
}
