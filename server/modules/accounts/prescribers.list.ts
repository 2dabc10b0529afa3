import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { PrescriberKind } from '../../../db/schema/accounts.ts';
import { codeCell, dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { formatFrenchDate, parisDate } from '../../shared/paris-time.ts';
import { countOf } from '../../shared/plural.ts';
import { getTerritories } from '../territories/territories.ts';
import { communeCodesNamedBy } from '../territories/territory-search.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { PRESCRIBER_KIND_LABELS } from './prescribers.schemas.ts';
import { countPrescriberSearch, searchPrescribers, type PrescriberCriteria, type PrescriberScope, type PrescriberSort } from './prescribers.repository.ts';

type PrescriberRow = ReturnType<typeof searchPrescribers>[number];
type PrescriberListItem = PrescriberRow & { kindLabel: string; communeName: string | null; links: (PrescriberRow['links'][number] & { addedOn: string })[] };

const STATUS_LABELS = { active: 'Actif', suspended: 'Suspendu' } as const;

export const PRESCRIBER_LIST: ListSpec<'type' | 'statut', PrescriberSort> = {
  path: '/prescripteurs',
  searchLabel: 'Rechercher un prescripteur par nom, SIRET ou commune',
  filters: {
    type: { label: 'Type de prescripteur', allLabel: 'Tous les types', options: filterChoices(PRESCRIBER_KIND_LABELS) },
    statut: { label: 'Statut', allLabel: 'Actifs ou suspendus', options: filterChoices(STATUS_LABELS) },
  },
  sorts: { nom: 'Nom', type: 'Type', statut: 'Statut', date: 'Date de création' },
  defaultSort: { key: 'nom', dir: 'asc' },
};

const addedBy = (p: PrescriberListItem) => p.links.map((l) => `${l.buyerName}${l.addedByName ? ` (${l.addedByName})` : ''}`).join(', ');

export const PRESCRIBER_CSV_COLUMNS: CsvColumn<PrescriberListItem>[] = [
  { header: 'Prescripteur', value: (p) => p.name },
  { header: 'SIRET', value: (p) => codeCell(p.siret) },
  { header: 'Type', value: (p) => p.kindLabel },
  { header: 'Commune', value: (p) => p.communeName },
  { header: 'Code INSEE', value: (p) => codeCell(p.communeCode) },
  { header: 'Contact', value: (p) => p.contactEmail },
  { header: 'Ajouté par', value: (p) => addedBy(p) || 'L’opérateur' },
  { header: 'Ajouté le', value: (p) => dateCell(p.links[0]?.addedAt) },
  { header: 'Statut', value: (p) => STATUS_LABELS[p.status as keyof typeof STATUS_LABELS] ?? p.status },
];

/**
 * The prescribers page: the operator's whole directory or a buyer's own network, one page of the
 * search as HTML, or with `format=csv` every matching prescriber. A buyer's scope is its own links:
 * another buyer's prescribers, and who else added a shared one, never show.
 */
export function replyPrescriberList(db: DbOrTx, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const territories = getTerritories();
  const query = parseListQuery(PRESCRIBER_LIST, request.query);
  const scope: PrescriberScope = isOperator(actor) ? {} : { buyerId: actor.organisationId };
  const criteria: PrescriberCriteria = {
    q: query.q,
    communeCodes: communeCodesNamedBy(territories, query.q),
    kind: query.filters.type as PrescriberKind | undefined,
    status: query.filters.statut as PrescriberCriteria['status'],
  };
  const read = (window: ListWindow): PrescriberListItem[] =>
    searchPrescribers(db, scope, criteria, query.sort, window).map((row) => ({
      ...row,
      kindLabel: row.kind ? PRESCRIBER_KIND_LABELS[row.kind] : 'Non précisé',
      communeName: row.communeCode ? (territories.commune(row.communeCode)?.name ?? row.communeCode) : null,
      links: row.links.map((l) => ({ ...l, addedOn: formatFrenchDate(parisDate(new Date(l.addedAt))) })),
    }));
  if (request.method === 'GET' && wantsCsv(request)) return sendAllPagesCsv(reply, 'prescripteurs.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), PRESCRIBER_CSV_COLUMNS);
  const result = readListPage(query, () => countPrescriberSearch(db, scope, criteria), read);
  const whose = isOperator(actor) ? 'Tous les prescripteurs' : 'Vos prescripteurs';
  return reply.renderPage('pages/accounts/prescribers.eta', {
    ...page,
    rows: result.items,
    caption: `${whose} (${result.total === 0 ? 'aucun prescripteur' : countOf(result.total, 'prescripteur')})`,
    list: buildListView(PRESCRIBER_LIST, query, result),
  });
}
