import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { countPublicCategorySearch, searchPublicCategories, type PublicCategoryCriteria, type PublicCategorySort } from './public-categories.repository.ts';

type CategoryRow = ReturnType<typeof searchPublicCategories>[number];


export const PUBLIC_CATEGORY_LIST: ListSpec<'statut' | 'prioritaire', PublicCategorySort> = {
  path: '/publics',
  searchLabel: 'Rechercher un public par libellé ou code',
  filters: {
    statut: {
      label: 'Statut',
      allLabel: 'Actifs ou désactivés',
      options: filterChoices({ actif: 'Actif', desactive: 'Désactivé' }),
    },
    prioritaire: { label: 'Prioritaire', allLabel: 'Prioritaires ou non', options: filterChoices({ oui: 'Oui', non: 'Non' }) },
  },
  sorts: { ordre: 'Ordre de présentation', libelle: 'Libellé', code: 'Code' },
  defaultSort: { key: 'ordre', dir: 'asc' },
};

export const PUBLIC_CATEGORY_CSV_COLUMNS: CsvColumn<CategoryRow>[] = [
  { header: 'Libellé', value: (c) => c.label },
  { header: 'Code', value: (c) => c.code },
  { header: 'Prioritaire', value: (c) => (c.priority ? 'oui' : 'non') },
  { header: 'Statut', value: (c) => (c.active ? 'Actif' : 'Désactivé') },
];

/** The publics page (operator): one page of the search, or with `format=csv` every matching public. */
export function replyPublicCategoryList(db: DbOrTx, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(PUBLIC_CATEGORY_LIST, request.query);
  const f = query.filters;
  const criteria: PublicCategoryCriteria = {
    q: query.q,
    active: f.statut ? f.statut === 'actif' : undefined,
    priority: f.prioritaire ? f.prioritaire === 'oui' : undefined,
  };
  const read = (window: ListWindow) => searchPublicCategories(db, criteria, query.sort, window);
  if (request.method === 'GET' && wantsCsv(request)) return sendAllPagesCsv(reply, 'publics.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), PUBLIC_CATEGORY_CSV_COLUMNS);
  const result = readListPage(query, () => countPublicCategorySearch(db, criteria), read);
  return reply.renderPage('pages/programs/publics.eta', { ...page, categories: result.items, list: buildListView(PUBLIC_CATEGORY_LIST, query, result) });
}
