/** Reading list pages and their CSV exports in tests (test/api/lists-*.test.ts). */
import type { Test } from 'tap';
import type { Session } from './app.ts';

/** Data lines of a CSV export: BOM and header row set aside. */
export const csvDataLines = (body: string): string[] => body.replace(/^\uFEFF/, '').trimEnd().split('\r\n').slice(1).filter((l) => l !== '');

/** The header row of a CSV export. */
export const csvHeader = (body: string): string => body.replace(/^\uFEFF/, '').split('\r\n')[0] ?? '';

/** Text of the table rows of a list page (one string per `<tbody>` row, tags dropped). */
export function tableRows(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

/** The page number marked `aria-current="page"` in the DSFR pagination, or null without pagination. */
export function currentPage(html: string): number | null {
  const match = /<nav role="navigation" class="fr-pagination[\s\S]*?aria-current="page">(\d+)<\/a>/.exec(html);
  return match ? Number(match[1]) : null;
}

/** The page numbers the pagination offers, in order, with "…" for an ellipsis. */
export function paginationItems(html: string): string[] {
  const nav = /<nav role="navigation" class="fr-pagination[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
  return [...nav.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
}

/** The "Exporter en CSV (N lignes)" link of a list page, HTML entities decoded. */
export function exportHref(html: string): string | null {
  const match = /href="([^"]*)"[^>]*>Exporter en CSV/.exec(html);
  return match ? match[1]!.replace(/&amp;/g, '&').replace(/&#38;/g, '&') : null;
}

/**
 * The paging every list shares (server/shared/list-view.ts): the first page answers 200 with its
 * count line (`total`, e.g. 'Publics : 54 résultats') and 50 rows, `?page=2` is marked current and
 * holds the `secondPageRows` left. `rows` reads a page's rows where the list is not its first table.
 * Returns both pages for what the test checks next.
 */
export async function firstTwoPages(
  t: Test,
  session: Session,
  url: string,
  expected: { total: string; secondPageRows: number; rows?: (html: string) => string[]; headers?: Record<string, string> },
) {
  const rows = expected.rows ?? tableRows;
  const first = await session.inject({ method: 'GET', url, headers: expected.headers });
  t.equal(first.statusCode, 200);
  t.match(first.body, expected.total);
  t.equal(rows(first.body).length, 50, 'fifty a page');
  const second = await session.inject({ method: 'GET', url: `${url}?page=2`, headers: expected.headers });
  t.equal(currentPage(second.body), 2);
  t.equal(rows(second.body).length, expected.secondPageRows);
  return { first, second };
}
