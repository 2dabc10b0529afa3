import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { codeCell, dateCell, euroCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, MONTH_PATTERN, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import { countBankStatementSearch, searchBankStatements, type BankStatementCriteria, type BankStatementListRow, type BankStatementSort } from './bank-statement-list.repository.ts';

const QUEUE_LABELS = { a_traiter: 'Avec des mouvements à traiter', traites: 'Sans mouvement à traiter' } as const;
const QUEUE_CRITERIA: Record<keyof typeof QUEUE_LABELS, BankStatementCriteria['queue']> = { a_traiter: 'waiting', traites: 'done' };
export const BANK_FORMAT_LABELS: Record<string, string> = { 'camt.053.001.02': 'camt.053 (001.02)', 'camt.053.001.08': 'camt.053 (001.08)', cfonb120: 'CFONB 120' };

/**
 * Declared once: the imported statements' search, filters and sorts. Labels name the statement,
 * so that none shares words with the upload form's « Fichier du relevé ».
 */
export const BANK_STATEMENT_LIST: ListSpec<'mois' | 'attente', BankStatementSort> = {
  path: '/finances/releves-bancaires',
  searchLabel: 'Rechercher un compte (IBAN, RIB) ou un identifiant de relevé',
  filters: {
    mois: { label: 'Mois couvert', allLabel: 'Tous les mois', pattern: MONTH_PATTERN },
    attente: { label: 'Mouvements en attente', allLabel: 'Tous les relevés', options: filterChoices(QUEUE_LABELS) },
  },
  sorts: { date: 'Date de fin du relevé', mouvements: 'Nombre de mouvements', ouverture: 'Solde d’ouverture', cloture: 'Solde de clôture' },
  defaultSort: { key: 'date', dir: 'desc' },
};

/** A statement as its row shows it: the statement, and how many of its new movements were read, queued or set aside. */
const statementView = (row: BankStatementListRow) => ({ ...row.statement, matched: row.matched, unmatched: row.unmatched, dismissed: row.dismissed });
type BankStatementView = ReturnType<typeof statementView>;

export const BANK_STATEMENT_CSV_COLUMNS: CsvColumn<BankStatementView>[] = [
  { header: 'Du', value: (s) => dateCell(s.fromDate) },
  { header: 'Au', value: (s) => dateCell(s.toDate) },
  { header: 'Compte', value: (s) => codeCell(s.account) },
  { header: 'Identifiant du relevé', value: (s) => codeCell(s.statementRef) },
  { header: 'Format', value: (s) => BANK_FORMAT_LABELS[s.format] ?? s.format },
  { header: 'Solde d’ouverture (€)', value: (s) => euroCell(s.openingCents) },
  { header: 'Solde de clôture (€)', value: (s) => euroCell(s.closingCents) },
  { header: 'Mouvements', value: (s) => s.entryCount },
  { header: 'Nouveaux', value: (s) => s.newEntryCount },
  { header: 'Rapprochés', value: (s) => s.matched },
  { header: 'À traiter', value: (s) => s.unmatched },
  { header: 'Écartés', value: (s) => s.dismissed },
  { header: 'Importé le', value: (s) => dateCell(s.importedAt) },
];

/**
 * The statements page: one page of the search, or with `format=csv` (GET only: a refused upload
 * re-renders the same page) every matching statement. `page` carries the upload form's state.
 */
export function replyBankStatementList(deps: { db: DbOrTx; clock: Clock }, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(BANK_STATEMENT_LIST, request.method === 'GET' ? request.query : {});
  const queue = query.filters.attente as keyof typeof QUEUE_LABELS | undefined;
  const criteria: BankStatementCriteria = { q: query.q, month: query.filters.mois, queue: queue ? QUEUE_CRITERIA[queue] : undefined };
  const read = (window: ListWindow) => searchBankStatements(deps.db, criteria, query.sort, window).map(statementView);
  if (request.method === 'GET' && wantsCsv(request)) return sendAllPagesCsv(reply, 'releves-bancaires.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), BANK_STATEMENT_CSV_COLUMNS);
  const result = readListPage(query, () => countBankStatementSearch(deps.db, criteria), read);
  return reply.renderPage('pages/finance/bank-statements.eta', {
    ...page,
    statements: result.items,
    list: buildListView(BANK_STATEMENT_LIST, query, result, { mois: recentMonthOptions(deps.clock.now()) }),
  });
}
