import type { FastifyReply, FastifyRequest } from 'fastify';
import { toCsv } from './csv.ts';

export interface CsvColumn<T> {
  header: string;
  value: (item: T) => string | number | null;
}

/**
 * `Accept: text/csv`, or `?format=csv` for a plain download link in a page. Read from the raw URL:
 * route schemas validate (and strip) the query before handlers see it.
 */
export function wantsCsv(request: FastifyRequest): boolean {
  if ((request.headers.accept ?? '').includes('text/csv')) return true;
  return new URLSearchParams(request.url.split('?')[1] ?? '').get('format') === 'csv';
}

/** Every list answers JSON `{items, nextCursor}` or, with `Accept: text/csv`, a spreadsheet-ready CSV of the page. */
export function sendCsv<T>(reply: FastifyReply, filename: string, items: T[], columns: CsvColumn<T>[]): FastifyReply {
  const csv = toCsv(
    columns.map((c) => c.header),
    items.map((item) => columns.map((c) => c.value(item))),
  );
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(csv);
}
