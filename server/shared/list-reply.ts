import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { BOM, csvRecord, toCsv, type CsvCell } from './csv.ts';

export interface CsvColumn<T> {
  header: string;
  value: (item: T) => CsvCell;
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

/** What a list route reads for one page: the items, and the cursor of the next page (null at the end). */
export type PageReader<T> = (cursor: string | undefined) => { items: T[]; nextCursor: string | null };

/**
 * The CSV of a whole list: every row the filters match, read page after page and streamed, so an
 * export never stops at the first page (the places list once gave 500 of 1 583) and never holds the
 * whole list in memory. Each page is one short read; the stream asks for the next when it drains.
 */
export function sendAllPagesCsv<T>(reply: FastifyReply, filename: string, readPage: PageReader<T>, columns: CsvColumn<T>[]): FastifyReply {
  function* records(): Generator<string> {
    yield BOM + csvRecord(columns.map((c) => c.header));
    let cursor: string | undefined;
    do {
      const page = readPage(cursor);
      for (const item of page.items) yield csvRecord(columns.map((c) => c.value(item)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(Readable.from(records()));
}

/** Rows per page when an export reads a whole list: the largest page the API serves. */
export const EXPORT_PAGE_SIZE = 500;
