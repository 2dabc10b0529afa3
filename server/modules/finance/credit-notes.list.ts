import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell, euroCell } from '../../shared/csv.ts';
import type { Clock } from '../../shared/clock.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { monthFilter, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import type { Actor } from '../identity/actor.ts';
import { countCreditNoteSearch, searchCreditNotes, type CreditNoteCriteria, type CreditNoteSort } from './credit-notes.repository.ts';
import { goesThroughChorusPro } from './chorus-pro.ts';
import { CHORUS_CSV_COLUMNS, CHORUS_LIST_FILTER, chorusCriterion, chorusFilterOptions, withChorusStatuses, type WithChorus } from './chorus-pro.list.ts';

type CreditNoteListItem = ReturnType<typeof searchCreditNotes>[number] & { id: string; public: boolean } & WithChorus;

/** Who a credit note is addressed to (issue 14: one note per invoiced party). */
export const CREDIT_NOTE_PARTY_LABELS = { buyer: 'Commanditaire', state: 'État (payeur du programme)' } as const;

export const CREDIT_NOTE_LIST: ListSpec<'mois' | 'depot', CreditNoteSort> = {
  path: '/finances/avoirs',
  searchLabel: 'Rechercher un numéro (AV-…, CMD-…) ou un commanditaire',
  filters: { mois: monthFilter('Mois d’émission'), depot: CHORUS_LIST_FILTER },
  sorts: { date: 'Date d’émission', numero: 'Numéro', commanditaire: 'Commanditaire', montant: 'Montant' },
  defaultSort: { key: 'date', dir: 'desc' },
};

export const CREDIT_NOTE_CSV_COLUMNS: CsvColumn<CreditNoteListItem>[] = [
  { header: 'Numéro', value: (r) => r.note.number },
  { header: 'Destinataire', value: (r) => CREDIT_NOTE_PARTY_LABELS[r.note.party] },
  { header: 'Commande', value: (r) => r.orderReference },
  { header: 'Commanditaire', value: (r) => r.buyerName },
  { header: 'Émis le', value: (r) => dateCell(r.note.issuedOn) },
  { header: 'Pass expirés', value: (r) => r.note.passCount },
  { header: 'Montant (€)', value: (r) => euroCell(r.note.totalCents) },
  { header: 'Part commanditaire (€)', value: (r) => euroCell(r.note.buyerShareCents) },
  { header: 'Part État (€)', value: (r) => euroCell(r.note.stateShareCents) },
  ...CHORUS_CSV_COLUMNS,
];

/** The credit notes page: one page of the search, or with `format=csv` every matching credit note. */
export function replyCreditNoteList(deps: { db: DbOrTx; clock: Clock }, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(CREDIT_NOTE_LIST, request.query);
  const criteria: CreditNoteCriteria = { q: query.q, month: query.filters.mois, chorus: chorusCriterion(query.filters.depot) };
  const read = (window: ListWindow): CreditNoteListItem[] =>
    withChorusStatuses(
      deps.db,
      'credit_note',
      searchCreditNotes(deps.db, actor, criteria, query.sort, window).map((row) => ({ ...row, id: row.note.id, public: goesThroughChorusPro({ party: row.note.party, buyerType: row.buyerType }) })),
    );
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'avoirs.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), CREDIT_NOTE_CSV_COLUMNS);
  const result = readListPage(query, () => countCreditNoteSearch(deps.db, actor, criteria), read);
  return reply.renderPage('pages/finance/credit-notes.eta', {
    ...page,
    notes: result.items,
    partyLabels: CREDIT_NOTE_PARTY_LABELS,
    list: buildListView(CREDIT_NOTE_LIST, query, result, {
      mois: recentMonthOptions(deps.clock.now()),
      depot: chorusFilterOptions(countCreditNoteSearch(deps.db, actor, { ...criteria, chorus: 'pending' })),
    }),
  });
}
