import { hiddenCells, SMALL_CELL_THRESHOLD } from './small-cells.ts';

/**
 * Masking that holds across exports (issue 18): a period's table of counts is masked once, when it
 * is first published, and every later export gives that same publication back from the history.
 *
 * Why: any rule that masks each export from that day's counts alone can be beaten by differencing
 * two exports. A count that changed between them (a late entry, a cancellation) re-draws the
 * pattern: a cell hidden yesterday may be shown today with the same value, or a total that moved by
 * 1 together with the counts that stay visible pins which hidden cell moved ([0, 3, 3, 6] then
 * [0, 5, 5, 6]: the second export hides 0 and 6, the first showed 6, so the 0 is known). With a
 * history, two exports of one period are the same publication; a reader of both knows no more than
 * a reader of one, and one publication is safe by the single-table rule of `small-cells.ts`
 * (proved by enumeration in test/unit/small-cells.test.ts). Exports only differ by periods that
 * were not published before (the month that has just closed), whose events are disjoint from the
 * published periods' events.
 *
 * The price: a period's published counts are not revised when a late entry or a cancellation
 * changes them afterwards. Figures that designate nobody (amounts, purchases) may stay live.
 * Pure, no I/O: the caller loads and stores the history.
 */

export interface PeriodCell {
  key: string;
  count: number;
  /** A value that follows the count (the value of the passes counted): hidden with it. */
  cents?: number;
}

export interface PeriodTable {
  period: string;
  cells: readonly PeriodCell[];
}

export interface PublishedCell {
  count: number;
  cents: number;
}

/** One period as published: the cells (null when masked) and the period's exact totals. */
export interface PublishedPeriod {
  period: string;
  publishedAt: string;
  total: number;
  totalCents: number;
  cells: Record<string, PublishedCell | null>;
}

/** The first publication of a period: the single-table rule over its cells, totals exact. */
export function publishPeriod(table: PeriodTable, publishedAt: string, threshold = SMALL_CELL_THRESHOLD): PublishedPeriod {
  const hidden = hiddenCells(
    table.cells.map((c) => c.count),
    threshold,
  );
  const cells: Record<string, PublishedCell | null> = {};
  table.cells.forEach((c, i) => (cells[c.key] = hidden.has(i) ? null : { count: c.count, cents: c.cents ?? 0 }));
  return {
    period: table.period,
    publishedAt,
    total: table.cells.reduce((s, c) => s + c.count, 0),
    totalCents: table.cells.reduce((s, c) => s + (c.cents ?? 0), 0),
    cells,
  };
}

/** A cell of a published period: the stored one; a key added after publication is masked (its count was inside the remainder then). */
export function publishedCell(period: PublishedPeriod, key: string): PublishedCell | null {
  return period.cells[key] ?? null;
}

/**
 * Today's export: periods already in the history are given back as stored; the others are
 * published now and returned in `fresh`, for the caller to store before it answers.
 */
export function publishFromHistory(
  tables: readonly PeriodTable[],
  history: ReadonlyMap<string, PublishedPeriod>,
  publishedAt: string,
  threshold = SMALL_CELL_THRESHOLD,
): { periods: PublishedPeriod[]; fresh: PublishedPeriod[] } {
  const fresh: PublishedPeriod[] = [];
  const periods = tables.map((table) => {
    const stored = history.get(table.period);
    if (stored) return stored;
    const now = publishPeriod(table, publishedAt, threshold);
    fresh.push(now);
    return now;
  });
  return { periods, fresh };
}
