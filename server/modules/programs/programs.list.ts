import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { BuyerType } from '../../../db/schema/accounts.ts';
import type { ProgramStatus } from '../../../db/schema/programs.ts';
import { codeCell, dateCell, euroCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { BUYER_TYPE_LABELS } from '../accounts/accounts.schemas.ts';
import { countProgramSearch, searchPrograms, type ProgramCriteria, type ProgramSort } from './programs.repository.ts';
import type { ProgramView } from './programs.schemas.ts';
import { programToView } from './programs.service.ts';

const STATUS_LABELS: Record<ProgramStatus, string> = { open: 'Ouvert', closed: 'Clôturé' };

export const PROGRAM_LIST: ListSpec<'statut' | 'eligible', ProgramSort> = {
  path: '/programmes',
  searchLabel: 'Rechercher un programme par son nom',
  filters: {
    statut: { label: 'Statut', allLabel: 'Ouverts ou clôturés', options: filterChoices(STATUS_LABELS) },
    eligible: {
      label: 'Commanditaires éligibles',
      allLabel: 'Tous les commanditaires',
      options: filterChoices(BUYER_TYPE_LABELS),
    },
  },
  sorts: { date: 'Date de création', nom: 'Nom', debut: 'Début de la période', enveloppe: 'Enveloppe', restant: 'Restant' },
  defaultSort: { key: 'date', dir: 'asc' },
};

export const PROGRAM_CSV_COLUMNS: CsvColumn<ProgramView>[] = [
  { header: 'Nom', value: (p) => p.name },
  { header: 'Taux (%)', value: (p) => euroCell(p.rateBasisPoints) },
  { header: 'Commanditaires éligibles', value: (p) => p.eligibleBuyerTypes.map((t) => BUYER_TYPE_LABELS[t]).join(', ') },
  { header: 'Du', value: (p) => dateCell(p.startsOn) },
  { header: 'Au', value: (p) => dateCell(p.endsOn) },
  { header: 'Enveloppe (€)', value: (p) => euroCell(p.envelopeCents) },
  { header: 'Engagé (€)', value: (p) => euroCell(p.committedCents) },
  { header: 'Restitué (€)', value: (p) => euroCell(p.releasedCents) },
  { header: 'Restant (€)', value: (p) => euroCell(p.remainingCents) },
  { header: 'Commande minimale (€)', value: (p) => (p.minOrderCents === null ? null : euroCell(p.minOrderCents)) },
  { header: 'Plafond par commanditaire (€)', value: (p) => (p.perBuyerCapCents === null ? null : euroCell(p.perBuyerCapCents)) },
  { header: 'Payeur', value: (p) => p.payer?.name ?? null },
  { header: 'SIRET du payeur', value: (p) => codeCell(p.payer?.siret) },
  { header: 'Statut', value: (p) => STATUS_LABELS[p.status] },
  { header: 'Créé le', value: (p) => dateCell(p.createdAt) },
];

/**
 * The programmes page (operator): one page of the search, or with `format=csv` every matching
 * programme. Programmes are national reference data, read by every operator user: no organisation scope.
 */
export function replyProgramList(db: DbOrTx, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(PROGRAM_LIST, request.query);
  const criteria: ProgramCriteria = { q: query.q, status: query.filters.statut as ProgramStatus | undefined, buyerType: query.filters.eligible as BuyerType | undefined };
  const read = (window: ListWindow) => searchPrograms(db, criteria, query.sort, window).map(programToView);
  if (request.method === 'GET' && wantsCsv(request)) return sendAllPagesCsv(reply, 'programmes.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), PROGRAM_CSV_COLUMNS);
  const result = readListPage(query, () => countProgramSearch(db, criteria), read);
  return reply.renderPage('pages/programs/programs.eta', { ...page, programs: result.items, list: buildListView(PROGRAM_LIST, query, result) });
}
