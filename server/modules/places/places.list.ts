import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { codeCell, dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import type { Actor } from '../identity/actor.ts';
import { getTerritories } from '../territories/territories.ts';
import { communeCodesNamedBy } from '../territories/territory-search.ts';
import { countPlaceSearch, searchPlaces, type PlaceCriteria, type PlaceSort } from './places.repository.ts';
import { BANK_STATUS_LABELS, PLACE_STATUS_LABELS } from './places.schemas.ts';
import { placeToView } from './places.views.ts';
import type { PlaceView } from './places.schemas.ts';

export const PLACE_LIST: ListSpec<'statut' | 'origine' | 'rib', PlaceSort> = {
  path: '/lieux',
  searchLabel: 'Rechercher un lieu par nom, SIRET, commune ou code postal',
  filters: {
    statut: { label: 'Statut', allLabel: 'Tous les statuts', options: filterChoices(PLACE_STATUS_LABELS) },
    origine: {
      label: 'Origine',
      allLabel: 'Toutes les origines',
      options: filterChoices({ application: 'Candidature', import: 'Import open data' }),
    },
    rib: {
      label: 'Coordonnées bancaires',
      allLabel: 'Toutes',
      // Pending first: the RIBs waiting for a check are finance's work queue.
      options: filterChoices({ pending: BANK_STATUS_LABELS.pending, validated: BANK_STATUS_LABELS.validated, missing: BANK_STATUS_LABELS.missing }),
    },
  },
  sorts: { date: 'Date d’inscription', nom: 'Nom', statut: 'Statut' },
  defaultSort: { key: 'date', dir: 'desc' },
};

const communeNames = (p: PlaceView) => [...new Set(p.sites.map((s) => s.communeName ?? s.communeCode))].join(', ');

export const PLACE_CSV_COLUMNS: CsvColumn<PlaceView>[] = [
  { header: 'Nom', value: (p) => p.name },
  { header: 'SIRET', value: (p) => codeCell(p.siret) },
  { header: 'Statut', value: (p) => PLACE_STATUS_LABELS[p.status] },
  { header: 'Origine', value: (p) => (p.source === 'import' ? 'Import open data' : 'Candidature') },
  { header: 'Indice Pass numérique', value: (p) => (p.acceptsPassNumerique ? 'oui' : 'non') },
  { header: 'Lieux d’accueil', value: (p) => p.sites.length },
  { header: 'Communes', value: (p) => communeNames(p) },
  { header: 'Codes INSEE', value: (p) => codeCell([...new Set(p.sites.map((s) => s.communeCode))].join(', ')) },
  { header: 'Codes postaux', value: (p) => codeCell([...new Set(p.sites.map((s) => s.postalCode).filter(Boolean))].join(', ')) },
  { header: 'Coordonnées bancaires', value: (p) => BANK_STATUS_LABELS[p.bankStatus] },
  { header: 'Inscrit le', value: (p) => dateCell(p.createdAt) },
];

/** The places page (operator): one page of the search, or with `format=csv` every matching place. */
export function replyPlaceList(db: DbOrTx, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(PLACE_LIST, request.query);
  const criteria: PlaceCriteria = {
    q: query.q,
    communeCodes: communeCodesNamedBy(getTerritories(), query.q),
    status: query.filters.statut as PlaceCriteria['status'],
    source: query.filters.origine as PlaceCriteria['source'],
    bank: query.filters.rib as PlaceCriteria['bank'],
  };
  const read = (window: ListWindow) => searchPlaces(db, actor, criteria, query.sort, window).map((id) => placeToView(db, id)!);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'lieux.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), PLACE_CSV_COLUMNS);
  const result = readListPage(query, () => countPlaceSearch(db, actor, criteria), read);
  return reply.renderPage('pages/places/list.eta', { ...page, places: result.items, list: buildListView(PLACE_LIST, query, result) });
}
