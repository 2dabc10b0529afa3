import type { FastifyReply, FastifyRequest } from 'fastify';
import { toCsv } from './csv.ts';

export interface CsvColumn<T> {
  header: string;
  value: (item: T) => string | number | null;
}

/** `Accept: text/csv`, or `?format=csv` for a plain download link in a page. */
export function wantsCsv(request: FastifyRequest): boolean {
  const format = (request.query as { format?: unknown } | undefined)?.format;
  return (request.headers.accept ?? '').includes('text/csv') || format === 'csv';
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
