import { z } from 'zod';

/**
 * What a list page reads from its address: a search (`q`), the filters it declares, a sort
 * (`tri` among the columns it declares, `ordre` asc/desc), a 1-based page number (`page`) and a
 * page size (`par_page`). Every list page parses the same way, so that every list links, sorts and
 * pages alike (issue 16, « Lists people can work with »).
 *
 * A list page never answers 400 for its address: a bad value is a link someone edited or an old
 * bookmark, so it falls back to the default (the first page, the default sort, no filter).
 */

export type SortDirection = 'asc' | 'desc';

export interface FilterOption {
  value: string;
  label: string;
}

export interface FilterSpec {
  /** Label of the select, in French. */
  label: string;
  /** Label of the empty option ("Tous les statuts"). */
  allLabel: string;
  /** Fixed choices; lists with choices read from the data (months, programmes) give them at render time. */
  options?: readonly FilterOption[];
  /** Accepted shape when the choices are not fixed (a month "2026-11"). */
  pattern?: RegExp;
}

/** Fixed choices of a filter from their labels by value, in the order written. */
export function filterChoices<V extends string>(labels: Readonly<Record<V, string>>): FilterOption[] {
  return (Object.entries(labels) as [V, string][]).map(([value, label]) => ({ value, label }));
}

export interface ListSpec<F extends string = string, S extends string = string> {
  /** The page's address, used in every link it builds. */
  path: string;
  /** Where the export link points when it is not the page itself with `format=csv`. */
  exportPath?: string;
  /** Label of the search field ("Référence ou commanditaire"); a list without a search leaves it empty. */
  searchLabel: string;
  filters: Record<F, FilterSpec>;
  /** Sortable columns and their French labels (the sort select on phones). */
  sorts: Record<S, string>;
  defaultSort: { key: S; dir: SortDirection };
  /**
   * Two lists on one page (an order's prescribers and its movements): each reads its own parameters,
   * `${prefix}q`, `${prefix}page`, `${prefix}tri`, `${prefix}<filter>`…, so that paging one never
   * pages the other. A list with a prefix gives its `exportPath` (`format=csv` would not say which
   * list), and an `anchor` so that its links come back to it rather than to the top of the page.
   */
  prefix?: string;
  /** The prefixes of the other lists on the same page: every link and form of this one keeps their parameters. */
  siblings?: readonly string[];
  /** The id of the list's heading: its links end in `#anchor`. */
  anchor?: string;
  /** Labels that tell two lists apart on one page (defaults: "Trier par", "Ordre", "Pagination"). */
  labels?: { sort?: string; order?: string; pagination?: string };
}

export interface ListQuery<F extends string = string, S extends string = string> {
  q: string;
  filters: Partial<Record<F, string>>;
  sort: { key: S; dir: SortDirection };
  page: number;
  pageSize: number;
  /** The parameters of the other lists on the page (`siblings`), kept in this list's links; only with siblings. */
  kept?: [string, string][];
}

export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;
/** A search longer than this is not a name or a number someone typed. */
const MAX_SEARCH = 100;

const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

const pageNumber = z.coerce.number().int().min(1).max(1_000_000).catch(1);
const pageSize = z.coerce
  .number()
  .int()
  .refine((n) => (PAGE_SIZES as readonly number[]).includes(n))
  .catch(DEFAULT_PAGE_SIZE);
const search = z.string().trim().max(MAX_SEARCH).catch('');

/** Reads a list's address; never throws, every bad value falls back to its default. */
export function parseListQuery<F extends string, S extends string>(spec: ListSpec<F, S>, raw: unknown): ListQuery<F, S> {
  const all = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const prefix = spec.prefix ?? '';
  const query = (name: string): unknown => first(all[prefix + name]);
  const filters: Partial<Record<F, string>> = {};
  for (const [name, filter] of Object.entries(spec.filters) as [F, FilterSpec][]) {
    const value = query(name);
    if (typeof value !== 'string' || value === '' || value.length > MAX_SEARCH) continue;
    const accepted = filter.options ? filter.options.some((o) => o.value === value) : filter.pattern ? filter.pattern.test(value) : true;
    if (accepted) filters[name] = value;
  }
  const sortKey = query('tri');
  const key = typeof sortKey === 'string' && Object.hasOwn(spec.sorts, sortKey) ? (sortKey as S) : spec.defaultSort.key;
  const order = query('ordre');
  const dir: SortDirection =
    order === 'asc' || order === 'desc' ? order : key === spec.defaultSort.key ? spec.defaultSort.dir : 'asc';
  const parsed: ListQuery<F, S> = {
    q: search.parse(query('q') ?? ''),
    filters,
    sort: { key, dir },
    page: pageNumber.parse(query('page') ?? 1),
    pageSize: pageSize.parse(query('par_page') ?? DEFAULT_PAGE_SIZE),
  };
  if (spec.siblings?.length) parsed.kept = keptParameters(all, spec.siblings);
  return parsed;
}

/** The other lists' parameters, as they came (each list checks its own): strings, bounded, once each. */
function keptParameters(all: Record<string, unknown>, siblings: readonly string[]): [string, string][] {
  const kept: [string, string][] = [];
  for (const [name, raw] of Object.entries(all)) {
    const value = first(raw);
    if (!siblings.some((sibling) => name.startsWith(sibling)) || typeof value !== 'string' || value === '' || value.length > MAX_SEARCH || name.length > 40) continue;
    kept.push([name, value]);
  }
  return kept;
}

/** The rows a repository reads for one page. */
export interface ListWindow {
  limit: number;
  offset: number;
}

export interface ListResult<T> {
  items: T[];
  total: number;
}

/** The last page a total fills (at least 1, so an empty list still has its page 1). */
export function lastPage(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}

/**
 * Counts, then reads the asked page; a page past the end (the list shrank since the link was made)
 * shows the last page instead of an empty one. The count and the page are two short reads.
 */
export function readListPage<T>(query: Pick<ListQuery, 'page' | 'pageSize'>, count: () => number, rows: (window: ListWindow) => T[]): ListResult<T> & { page: number } {
  const total = count();
  const page = Math.min(query.page, lastPage(total, query.pageSize));
  return { items: total === 0 ? [] : rows({ limit: query.pageSize, offset: (page - 1) * query.pageSize }), total, page };
}

/** `LIKE` pattern for a search: `%` and `_` typed by a person match themselves. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * A month filter ("2026-11"): its choices are the months the list has rows in, given at render time
 * (`recentMonthOptions`); the address accepts any month. `allLabel` is '' on a page that always
 * shows one month.
 */
export function monthFilter(label: string, allLabel = 'Tous les mois'): FilterSpec {
  return { label, allLabel, pattern: MONTH_PATTERN };
}

/**
 * `searchCondition`'s rule for a list held in memory (one that must be read whole before it is
 * narrowed, like counts suppressed over the whole table): every word typed appears in one of the
 * texts, whatever its case.
 */
export function matchesSearch(q: string, texts: readonly (string | null | undefined)[]): boolean {
  const words = q.toLocaleLowerCase('fr').split(/\s+/).filter(Boolean).slice(0, 8);
  const haystack = texts.filter(Boolean).map((t) => t!.toLocaleLowerCase('fr'));
  return words.every((word) => haystack.some((text) => text.includes(word)));
}
