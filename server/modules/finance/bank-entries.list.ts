import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { codeCell, dateCell, euroCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { describeMatches } from './bank-entries.service.ts';
import { countBankEntrySearch, searchBankEntries, type BankEntryCriteria, type BankEntryOutcome, type BankEntrySort } from './bank-statement-list.repository.ts';
import type { BankEntryRow } from './bank-statements.repository.ts';

/** What a movement became, in the words the statement page uses for it. */
const OUTCOME_LABELS = { facture: 'Rapproché d’une facture', virement: 'Rapproché d’un virement aux lieux', ecarte: 'Écarté', a_traiter: 'À traiter' } as const;
const OUTCOMES: Record<keyof typeof OUTCOME_LABELS, BankEntryOutcome> = { facture: 'invoice', virement: 'payout', ecarte: 'dismissed', a_traiter: 'unmatched' };
const DIRECTION_LABELS = { credit: 'Crédits', debit: 'Débits' } as const;

/** Declared once: the search, filters and sorts of one statement's movements; the path is the statement's page. */
export const BANK_ENTRY_LIST: ListSpec<'devenu' | 'sens', BankEntrySort> = {
  path: '/finances/releves-bancaires',
  searchLabel: 'Rechercher un libellé, une référence, un émetteur ou un montant (12,50)',
  filters: {
    devenu: { label: 'Devenu du mouvement', allLabel: 'Tous les mouvements', options: filterChoices(OUTCOME_LABELS) },
    sens: { label: 'Sens du mouvement', allLabel: 'Crédits et débits', options: filterChoices(DIRECTION_LABELS) },
  },
  sorts: { date: 'Date', montant: 'Montant' },
  defaultSort: { key: 'date', dir: 'asc' },
};

/**
 * An amount as finance types it: "12.50", "-12,50" or "12,50 €" all look for the movement of
 * 12,50 € (the list shows debits with a minus; the search reads the amount without its sign).
 */
export function amountSearchText(q: string): string {
  return q
    .replace(/(\d)\.(\d)/g, '$1,$2')
    .replace(/(^|\s)[-+−](?=\d)/g, '$1')
    .replace(/\s*€/g, ' ')
    .trim();
}

type BankEntryListItem = BankEntryRow & { outcome: { label: string; number: string | null; href: string | null } };

const directionLabel = (e: BankEntryRow) => (e.direction === 'credit' ? (e.returnReason ? `Retour (${e.returnReason})` : 'Crédit') : 'Débit');
const outcomeOf = (e: BankEntryRow): string =>
  e.status === 'unmatched' ? OUTCOME_LABELS.a_traiter : e.status === 'dismissed' ? OUTCOME_LABELS.ecarte : e.matchedKind === 'payment' ? OUTCOME_LABELS.facture : OUTCOME_LABELS.virement;

export const BANK_ENTRY_CSV_COLUMNS: CsvColumn<BankEntryListItem>[] = [
  { header: 'Date', value: (e) => dateCell(e.bookingDate) },
  { header: 'Sens', value: directionLabel },
  { header: 'Montant (€)', value: (e) => euroCell(e.direction === 'credit' ? e.amountCents : -e.amountCents) },
  { header: 'Libellé de la banque', value: (e) => e.remittance },
  { header: 'Émetteur ou bénéficiaire', value: (e) => e.counterparty },
  { header: 'Référence de bout en bout', value: (e) => codeCell(e.endToEndId) },
  { header: 'Référence de la banque', value: (e) => codeCell(e.entryRef) },
  { header: 'Devenu', value: outcomeOf },
  { header: 'Numéro du document', value: (e) => e.outcome.number },
  { header: 'Rapproché de', value: (e) => e.outcome.label },
];

/**
 * The movements of one statement on its page: one page of the search, or with `format=csv` every
 * matching movement with the document number it became. `page` carries the statement's summary.
 */
export function replyBankEntryList(db: DbOrTx, statement: { id: string; fromDate: string; toDate: string }, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const spec = { ...BANK_ENTRY_LIST, path: `/finances/releves-bancaires/${statement.id}` };
  const query = parseListQuery(spec, request.query);
  const outcome = query.filters.devenu as keyof typeof OUTCOME_LABELS | undefined;
  const criteria: BankEntryCriteria = { q: amountSearchText(query.q), outcome: outcome ? OUTCOMES[outcome] : undefined, direction: query.filters.sens as BankEntryCriteria['direction'] };
  const read = (window: ListWindow): BankEntryListItem[] => {
    const rows = searchBankEntries(db, statement.id, criteria, query.sort, window);
    const matches = describeMatches(db, rows);
    return rows.map((row) => ({ ...row, outcome: matches.get(row.id)! }));
  };
  if (wantsCsv(request)) return sendAllPagesCsv(reply, `releve-${statement.fromDate}-${statement.toDate}.csv`, offsetPageReader(read, EXPORT_PAGE_SIZE), BANK_ENTRY_CSV_COLUMNS);
  const result = readListPage(query, () => countBankEntrySearch(db, statement.id, criteria), read);
  return reply.renderPage('pages/finance/bank-statement.eta', { ...page, entries: result.items, list: buildListView(spec, query, result) });
}
