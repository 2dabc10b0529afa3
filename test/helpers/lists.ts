/** Reading list pages and their CSV exports in tests (test/api/lists-*.test.ts). */

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
