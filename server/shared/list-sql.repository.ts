/**
 * The SQL pieces every list repository shares (issue 16): a search over several columns, the chosen
 * sort with a unique tie-breaker, a Paris month. Repositories own queries; this file only builds
 * their conditions, so it is named like one.
 */
import { count, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { SQLiteSelect } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../db/client.ts';
import { likePattern, type ListWindow, type SortDirection } from './list-query.ts';
import { parisMonthRange } from './paris-time.ts';

/**
 * One condition for a search over several columns: every word typed must appear in one of them
 * (case-insensitive for ASCII, as SQLite's LIKE), so "cmd 2026" or "Rodez médiathèque" both find.
 * Undefined when nothing was typed, so it drops out of `and(...)`.
 */
export function searchCondition(q: string, columns: SQLWrapper[]): SQL | undefined {
  const words = q.split(/\s+/).filter(Boolean).slice(0, 8);
  if (words.length === 0 || columns.length === 0) return undefined;
  const perWord = words.map((word) => {
    const pattern = likePattern(word);
    return sql`(${sql.join(
      columns.map((column) => sql`${column} LIKE ${pattern} ESCAPE '\\'`),
      sql` OR `,
    )})`;
  });
  return sql.join(perWord, sql` AND `);
}

/**
 * A search widened by another way the words typed can name a row: the communes they name
 * (`communeCodesNamedBy`), for rows that store a commune's code. Nothing typed, no condition; no
 * other way found, the search alone.
 */
export function searchOrAlso(search: SQL | undefined, also: SQL | undefined): SQL | undefined {
  return search && also ? or(search, also) : search;
}

/**
 * `ORDER BY` for the chosen sort, then a unique tie-breaker so that pages never overlap or skip a
 * row when many rows share a value (a status, a month).
 */
export function orderByFor<S extends string>(columns: Record<S, SQLWrapper>, sort: { key: S; dir: SortDirection }, tieBreaker: SQLWrapper): SQL {
  const direction = sort.dir === 'asc' ? sql`ASC` : sql`DESC`;
  return sql`${columns[sort.key]} ${direction}, ${tieBreaker} ${direction}`;
}

/** A name as people read a list of names: « atelier » beside « Atelier », not after every capital. */
export function ignoringCase(column: SQLWrapper): SQL {
  return sql`${column} COLLATE NOCASE`;
}

/** An instant column (ISO text in UTC) inside a Paris month "2026-11": months are Paris months. */
export function inParisMonth(column: SQLWrapper, month: string): SQL {
  const { start, end } = parisMonthRange(month);
  return sql`(${column} >= ${start.toISOString()} AND ${column} < ${end.toISOString()})`;
}

/** A calendar-date column (AAAA-MM-JJ, already a Paris date) inside a month "2026-11". */
export function inDateMonth(column: SQLWrapper, month: string): SQL {
  return sql`substr(${column}, 1, 7) = ${month}`;
}

/**
 * How many rows a list matches. `matching` is the list's query with its joins and conditions but
 * neither order nor window (`.$dynamic()`), the same one `readWindow` pages through, so the count
 * and the page can never disagree on a join or a filter.
 */
export function countMatching(db: DbOrTx, matching: SQLiteSelect): number {
  return db.select({ n: count() }).from(matching.as('matching')).get()?.n ?? 0;
}

/** One page of a list: the chosen order (with its tie-breaker, `orderByFor`), then the window. */
export function readWindow<Q extends SQLiteSelect>(matching: Q, orderBy: SQL, window: ListWindow): Awaited<ReturnType<Q['all']>> {
  return matching.orderBy(orderBy).limit(window.limit).offset(window.offset).all() as Awaited<ReturnType<Q['all']>>;
}
