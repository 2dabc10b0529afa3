import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { OrganisationKind } from '../../../db/schema/accounts.ts';
import { codeCell, dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { getTerritories } from '../territories/territories.ts';
import { communeCodesNamedBy } from '../territories/territory-search.ts';
import type { Actor } from '../identity/actor.ts';
import { countOrganisationSearch, searchOrganisations, type OrganisationRow, type OrganisationSort } from './accounts.repository.ts';
import { KIND_LABELS } from './accounts.schemas.ts';

type OrganisationListItem = OrganisationRow & { communeName: string | null };

export const ORGANISATION_LIST: ListSpec<'type', OrganisationSort> = {
  path: '/organisations',
  searchLabel: 'Rechercher une organisation par nom, SIRET ou commune',
  filters: { type: { label: 'Type', allLabel: 'Tous les types', options: filterChoices(KIND_LABELS) } },
  sorts: { date: 'Date de création', nom: 'Nom', type: 'Type' },
  defaultSort: { key: 'date', dir: 'desc' },
};

export const ORGANISATION_CSV_COLUMNS: CsvColumn<OrganisationListItem>[] = [
  { header: 'Nom', value: (o) => o.name },
  { header: 'Type', value: (o) => KIND_LABELS[o.kind] },
  { header: 'SIRET', value: (o) => codeCell(o.siret) },
  { header: 'Commune', value: (o) => o.communeName },
  { header: 'Code INSEE', value: (o) => codeCell(o.communeCode) },
  { header: 'Statut', value: (o) => (o.status === 'active' ? 'Active' : 'Suspendue') },
  { header: 'Créée le', value: (o) => dateCell(o.createdAt) },
];

/** The organisations page (operator): one page of the search, or with `format=csv` every match. */
export function replyOrganisationList(db: DbOrTx, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const territories = getTerritories();
  const query = parseListQuery(ORGANISATION_LIST, request.query);
  const criteria = {
    q: query.q,
    communeCodes: communeCodesNamedBy(territories, query.q),
    kind: query.filters.type as OrganisationKind | undefined,
  };
  const read = (window: ListWindow): OrganisationListItem[] =>
    searchOrganisations(db, actor, criteria, query.sort, window).map((o) => ({ ...o, communeName: o.communeCode ? (territories.commune(o.communeCode)?.name ?? null) : null }));
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'organisations.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), ORGANISATION_CSV_COLUMNS);
  const result = readListPage(query, () => countOrganisationSearch(db, actor, criteria), read);
  return reply.renderPage('pages/accounts/organisations.eta', { ...page, organisations: result.items, list: buildListView(ORGANISATION_LIST, query, result) });
}
