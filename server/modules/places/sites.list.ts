import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { codeCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, type ListView } from '../../shared/list-view.ts';
import { getTerritories } from '../territories/territories.ts';
import { describeOpeningHours } from './opening-hours.ts';
import { siteToView } from './places.views.ts';
import { countSiteSearch, searchSites, siteCommuneCodes, type SiteCriteria, type SiteSort } from './sites.repository.ts';

export type SiteView = ReturnType<typeof siteToView>;

const STATE_CHOICES = { ouvert: 'Ouverts', ferme: 'Fermés' } as const;
type SiteState = keyof typeof STATE_CHOICES;

/** A place's sites, on the place's own page (/mon-lieu) and on the operator's review (/lieux/:id). */
export function siteListSpec(path: string): ListSpec<'etat', SiteSort> {
  return {
    path,
    searchLabel: 'Rechercher un lieu d’accueil (nom, rue, commune ou code postal)',
    filters: { etat: { label: 'État du lieu d’accueil', allLabel: 'Ouverts et fermés', options: filterChoices(STATE_CHOICES) } },
    sorts: { nom: 'Nom du lieu d’accueil', commune: 'Commune' },
    defaultSort: { key: 'nom', dir: 'asc' },
  };
}

export const SITE_CSV_COLUMNS: CsvColumn<SiteView>[] = [
  { header: 'Lieu d’accueil', value: (s) => s.name },
  { header: 'Adresse', value: (s) => s.address },
  { header: 'Code postal', value: (s) => codeCell(s.postalCode) },
  { header: 'Commune', value: (s) => s.communeName ?? s.communeCode },
  { header: 'Code INSEE', value: (s) => codeCell(s.communeCode) },
  { header: 'Horaires', value: (s) => describeOpeningHours(s.openingHours).join(' ; ') },
  { header: 'Services', value: (s) => s.services.join(', ') },
  { header: 'Gratuit', value: (s) => (s.free ? 'oui' : 'non') },
  { header: 'État', value: (s) => (s.active ? 'ouvert' : 'fermé') },
];

/**
 * The sites of one place, already found for the caller (its own users, or the operator): with
 * `format=csv` every site matching the search, otherwise the asked page and its list view, which
 * the caller renders in its page.
 */
export function replySiteList(
  db: DbOrTx,
  request: FastifyRequest,
  reply: FastifyReply,
  place: { id: string; path: string },
  render: (sites: SiteView[], list: ListView) => FastifyReply | Promise<FastifyReply>,
) {
  const spec = siteListSpec(place.path);
  const query = parseListQuery(spec, request.query);
  const territories = getTerritories();
  const state = query.filters.etat as SiteState | undefined;
  const criteria: SiteCriteria = {
    placeId: place.id,
    q: query.q,
    active: state === undefined ? undefined : state === 'ouvert',
    communeNames: new Map(siteCommuneCodes(db, place.id).map((code) => [code, territories.commune(code)?.name ?? code])),
  };
  const read = (window: ListWindow) => searchSites(db, criteria, query.sort, window).map(siteToView);
  if (request.method === 'GET' && wantsCsv(request)) return sendAllPagesCsv(reply, 'lieux-d-accueil.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), SITE_CSV_COLUMNS);
  const result = readListPage(query, () => countSiteSearch(db, criteria), read);
  return render(result.items, buildListView(spec, query, result));
}
