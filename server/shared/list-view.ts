import { countOf } from './plural.ts';
import { frenchMonth, parisMonth } from './paris-time.ts';
import { DEFAULT_PAGE_SIZE, lastPage, type FilterOption, type ListQuery, type ListSpec, type SortDirection } from './list-query.ts';
import type { PageReader } from './list-reply.ts';

/**
 * Everything the list partials render (templates/partials/list-controls.eta, sort-th.eta,
 * pagination.eta): the search bar, the filter and sort selects, sortable headings, the numbered
 * DSFR pagination, the result count and the whole-list export link. Every link keeps the other
 * parameters, so sorting keeps the search and paging keeps the sort, without any JavaScript.
 */

export interface FilterView {
  name: string;
  label: string;
  allLabel: string;
  options: (FilterOption & { selected: boolean })[];
}

export type PaginationItem = { kind: 'page'; number: number; href: string; current: boolean } | { kind: 'ellipsis' };

export interface PaginationView {
  pages: PaginationItem[];
  first: string | null;
  previous: string | null;
  next: string | null;
  last: string | null;
}

export interface SortLink {
  href: string;
  ariaSort: 'ascending' | 'descending' | 'none';
}

export interface ListView {
  path: string;
  /** Prepended to every parameter and element id of the list (empty for a page with one list). */
  prefix: string;
  /** Where the search form sends to (the path, and the list's anchor). */
  formAction: string;
  /** The other lists' parameters, carried by the search form as hidden fields. */
  hidden: { name: string; value: string }[];
  /** "Réinitialiser": this list without search or filter, the other lists as they are. */
  resetHref: string;
  sortLabel: string;
  orderLabel: string;
  paginationLabel: string;
  q: string;
  searchLabel: string;
  filters: FilterView[];
  sortOptions: FilterOption[];
  sortKey: string;
  sortDir: SortDirection;
  pageSize: number;
  total: number;
  /** "Aucun résultat", "1 résultat", "1 234 résultats". */
  resultsText: string;
  /** True when a search or a filter narrows the list (offers "Réinitialiser"). */
  narrowed: boolean;
  exportHref: string;
  /** "Exporter en CSV (1 583 lignes)". */
  exportLabel: string;
  pagination: PaginationView | null;
  sort: (key: string) => SortLink;
}

/** Page numbers shown around the current one; further pages fold into an ellipsis. */
const AROUND = 1;

export function pageNumbersFor(current: number, last: number): (number | 'ellipsis')[] {
  const shown = new Set<number>([1, last]);
  for (let n = current - AROUND; n <= current + AROUND; n++) if (n >= 1 && n <= last) shown.add(n);
  const sorted = [...shown].sort((a, b) => a - b);
  const out: (number | 'ellipsis')[] = [];
  for (const [i, n] of sorted.entries()) {
    const previous = sorted[i - 1];
    if (previous !== undefined && n - previous === 2) out.push(previous + 1);
    else if (previous !== undefined && n - previous > 2) out.push('ellipsis');
    out.push(n);
  }
  return out;
}

export function buildListView<F extends string, S extends string>(
  spec: ListSpec<F, S>,
  query: ListQuery<F, S>,
  result: { total: number; page: number },
  dynamicOptions: Partial<Record<F, readonly FilterOption[]>> = {},
): ListView {
  const prefix = spec.prefix ?? '';
  const p = (name: string) => prefix + name;
  const kept = query.kept ?? [];
  const ownParams = (): URLSearchParams => {
    const params = new URLSearchParams();
    if (query.q) params.set(p('q'), query.q);
    for (const name of Object.keys(spec.filters) as F[]) {
      const value = query.filters[name];
      if (value) params.set(p(name), value);
    }
    const isDefaultSort = query.sort.key === spec.defaultSort.key && query.sort.dir === spec.defaultSort.dir;
    if (!isDefaultSort) {
      params.set(p('tri'), query.sort.key);
      params.set(p('ordre'), query.sort.dir);
    }
    if (query.pageSize !== DEFAULT_PAGE_SIZE) params.set(p('par_page'), String(query.pageSize));
    return params;
  };
  // The page's links: the other lists' parameters as they are, then this list's.
  const baseParams = (): URLSearchParams => {
    const params = new URLSearchParams(kept);
    for (const [name, value] of ownParams()) params.set(name, value);
    return params;
  };
  const anchor = spec.anchor ? `#${spec.anchor}` : '';
  const href = (params: URLSearchParams) => {
    const text = params.toString();
    return `${text ? `${spec.path}?${text}` : spec.path}${anchor}`;
  };
  const pageHref = (page: number) => {
    const params = baseParams();
    if (page > 1) params.set(p('page'), String(page));
    return href(params);
  };
  const last = lastPage(result.total, query.pageSize);
  const current = result.page;
  const pagination: PaginationView | null =
    last <= 1
      ? null
      : {
          pages: pageNumbersFor(current, last).map((n) =>
            n === 'ellipsis' ? { kind: 'ellipsis' as const } : { kind: 'page' as const, number: n, href: pageHref(n), current: n === current },
          ),
          first: current > 1 ? pageHref(1) : null,
          previous: current > 1 ? pageHref(current - 1) : null,
          next: current < last ? pageHref(current + 1) : null,
          last: current < last ? pageHref(last) : null,
        };
  // The export is this list's alone: its own parameters, without the page size.
  const exportParams = ownParams();
  exportParams.delete(p('par_page'));
  if (!spec.exportPath) exportParams.set('format', 'csv');
  const filters = (Object.entries(spec.filters) as [F, ListSpec<F, S>['filters'][F]][]).map(([name, filter]) => ({
    name: p(name),
    label: filter.label,
    allLabel: filter.allLabel,
    options: (dynamicOptions[name] ?? filter.options ?? []).map((o) => ({ ...o, selected: query.filters[name] === o.value })),
  }));
  return {
    path: spec.path,
    prefix,
    formAction: `${spec.path}${anchor}`,
    hidden: kept.map(([name, value]) => ({ name, value })),
    resetHref: href(new URLSearchParams(kept)),
    sortLabel: spec.labels?.sort ?? 'Trier par',
    orderLabel: spec.labels?.order ?? 'Ordre',
    paginationLabel: spec.labels?.pagination ?? 'Pagination',
    q: query.q,
    searchLabel: spec.searchLabel,
    filters,
    sortOptions: (Object.entries(spec.sorts) as [string, string][]).map(([value, label]) => ({ value, label })),
    sortKey: query.sort.key,
    sortDir: query.sort.dir,
    pageSize: query.pageSize,
    total: result.total,
    resultsText: result.total === 0 ? 'Aucun résultat' : countOf(result.total, 'résultat'),
    narrowed: Boolean(query.q) || Object.values(query.filters).some(Boolean),
    exportHref: spec.exportPath ? `${spec.exportPath}${exportParams.size ? `?${exportParams}` : ''}` : `${spec.path}?${exportParams}`,
    exportLabel: `Exporter en CSV (${countOf(result.total, 'ligne')})`,
    pagination,
    sort: (key: string) => {
      const active = query.sort.key === key;
      const params = baseParams();
      const nextDir: SortDirection = active ? (query.sort.dir === 'asc' ? 'desc' : 'asc') : key === spec.defaultSort.key ? spec.defaultSort.dir : 'asc';
      params.set(p('tri'), key);
      params.set(p('ordre'), nextDir);
      return { href: href(params), ariaSort: active ? (query.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none' };
    },
  };
}

/**
 * A whole-list reader for `sendAllPagesCsv` over an offset query: the export runs the same
 * repository query as the page (same search, filters and sort), chunk after chunk, until a chunk
 * comes back short. The cursor is the offset of the next chunk.
 */
export function offsetPageReader<T>(read: (window: { limit: number; offset: number }) => T[], chunk: number): PageReader<T> {
  return (cursor) => {
    const offset = cursor ? Number(cursor) : 0;
    const items = read({ limit: chunk, offset });
    return { items, nextCursor: items.length === chunk ? String(offset + chunk) : null };
  };
}

/** The month filter's choices: this Paris month and the ones before it, newest first. */
export function recentMonthOptions(now: Date, count = 24): FilterOption[] {
  const [year, month] = parisMonth(now).split('-').map(Number) as [number, number];
  const options: FilterOption[] = [];
  for (let i = 0; i < count; i++) {
    const total = year * 12 + (month - 1) - i;
    const value = `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
    options.push({ value, label: frenchMonth(value) });
  }
  return options;
}
