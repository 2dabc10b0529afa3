import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell, euroCell } from '../../shared/csv.ts';
import type { Clock } from '../../shared/clock.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { MONTH_PATTERN, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import type { Actor } from '../accounts/actor.ts';
import { countCreditNoteSearch, searchCreditNotes, type CreditNoteCriteria, type CreditNoteSort } from './credit-notes.repository.ts';

type CreditNoteListItem = ReturnType<typeof searchCreditNotes>[number];

export const CREDIT_NOTE_LIST: ListSpec<'mois', CreditNoteSort> = {
  path: '/finances/avoirs',
  searchLabel: 'Rechercher un numéro (AV-…, CMD-…) ou un commanditaire',
  filters: { mois: { label: 'Mois d’émission', allLabel: 'Tous les mois', pattern: MONTH_PATTERN } },
  sorts: { date: 'Date d’émission', numero: 'Numéro', commanditaire: 'Commanditaire', montant: 'Montant' },
  defaultSort: { key: 'date', dir: 'desc' },
};

export const CREDIT_NOTE_CSV_COLUMNS: CsvColumn<CreditNoteListItem>[] = [
  { header: 'Numéro', value: (r) => r.note.number },
  { header: 'Commande', value: (r) => r.orderReference },
  { header: 'Commanditaire', value: (r) => r.buyerName },
  { header: 'Émis le', value: (r) => dateCell(r.note.issuedOn) },
  { header: 'Pass expirés', value: (r) => r.note.passCount },
  { header: 'Montant (€)', value: (r) => euroCell(r.note.totalCents) },
  { header: 'Part commanditaire (€)', value: (r) => euroCell(r.note.buyerShareCents) },
  { header: 'Part État (€)', value: (r) => euroCell(r.note.stateShareCents) },
];

/** The credit notes page: one page of the search, or with `format=csv` every matching credit note. */
export function replyCreditNoteList(deps: { db: DbOrTx; clock: Clock }, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(CREDIT_NOTE_LIST, request.query);
  const criteria: CreditNoteCriteria = { q: query.q, month: query.filters.mois };
  const read = (window: ListWindow) => searchCreditNotes(deps.db, actor, criteria, query.sort, window);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'avoirs.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), CREDIT_NOTE_CSV_COLUMNS);
  const result = readListPage(query, () => countCreditNoteSearch(deps.db, actor, criteria), read);
  return reply.renderPage('pages/finance/credit-notes.eta', {
    ...page,
    notes: result.items,
    list: buildListView(CREDIT_NOTE_LIST, query, result, { mois: recentMonthOptions(deps.clock.now()) }),
  });
}
