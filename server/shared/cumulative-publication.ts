import { hiddenCells, SMALL_CELL_THRESHOLD } from './small-cells.ts';

/**
 * Masking of cumulative figures that holds across exports (issue 18): the buyer's usage dashboard.
 *
 * The public statistics freeze each closed month (`publication-history.ts`); a cumulative table
 * cannot be frozen that way, since its cells keep growing, and the difference of two cumulative
 * exports is the table of what happened in between. Masking each export afresh leaks: a cell hidden
 * yesterday and shown today with nothing added to the hidden ones gives yesterday's value back, and a
 * cell shown yesterday and hidden today is known to within today's few new uses — so is the small
 * cell it was hidden for.
 *
 * The rule (designs weighed in the i18 report; this one keeps every figure exact or masked):
 * 1. the dashboard is published as of the end of the last closed and settled month, once, and kept
 *    (`usage_snapshots`): two exports of one month are the same publication;
 * 2. a snapshot's masking starts from the previous one's: a shown cell stays shown (cells only grow,
 *    every month counted is settled), a hidden cell stays hidden; cells under the threshold are
 *    hidden as in `small-cells.ts`;
 * 3. a hidden cell stays hidden in every later snapshot. Revealing it once the hidden cells had
 *    grown by the threshold looked safe and is not: the revealed value bounds the old one from
 *    above, and the old values the rule allowed are few, so the bound can pin one (the property
 *    test over random growing tables finds such cases). Kept cells may have grown to any size, so
 *    their sum pins nothing (`ReaderKnowledge` 'any-size'); a cell newly under the threshold joins
 *    them, and complements, when needed, are taken among the cells already hidden, then among rows
 *    new in this snapshot, never among shown ones while that can be helped. Why this is safe for a
 *    growing table: the hidden set is the same in both exports, so the later hidden cells are the
 *    earlier ones plus the growth of their sum, and any filling of the earlier export extends to
 *    the later one by putting that growth on any hidden cell — no cell of either export is pinned
 *    that the earlier export alone did not pin. The price: masked cells accumulate over time;
 * 4. rows that only exist over periods (the months) are masked in blocks: the months added by a
 *    snapshot are a table of their own whose total is the difference of the two snapshots' totals,
 *    masked by the single-table rule; a snapshot is not taken while that difference is between 1 and
 *    the threshold − 1 (it would be a small count anyone can compute), the previous one stays.
 * 5. several publications shown together (a buyer's orders in one dashboard) are combined, not
 *    masked afresh: `combineSnapshots` sums each order's published snapshot and hides a cell where
 *    any order hides it, so the total minus one order's export gives nothing that order hides.
 * The property test (test/unit/cumulative-publication.test.ts) enumerates every pair of tables a
 * reader holding two snapshots cannot tell apart and finds no masked cell with a single value; the
 * same test shows daily re-masking leaking, and checks the combination of two orders. Pure, no I/O: the caller loads and stores snapshots.
 */

/** One breakdown: counts by row key; the reader is assumed to know its total. */
export type CountsByKey = Readonly<Record<string, number>>;

/** A breakdown as published in a snapshot: the true counts (kept server-side, never shown) and the hidden keys. */
export interface SnapshotTable {
  counts: Record<string, number>;
  hidden: string[];
}

/** Period rows (months): each block is the rows added by one snapshot, masked together. */
export interface SnapshotBlocks {
  blocks: { rows: string[]; hidden: string[] }[];
  counts: Record<string, number>;
}

export interface CumulativeSnapshot {
  period: string;
  publishedAt: string;
  tables: Record<string, SnapshotTable>;
  periods: SnapshotBlocks;
  /** The total every table shares (passes used): the block rule of point 4 gates on its increment. */
  total: number;
}

const sum = (values: Iterable<number>) => [...values].reduce((s, v) => s + v, 0);

/** Completes a hidden set: while it is not a valid block (small-cells rule 2), add the largest `eligible` cells (ties together). */
function completeBlock(counts: CountsByKey, hidden: Set<string>, eligible: readonly string[], threshold: number): Set<string> {
  const keys = Object.keys(counts);
  const indexOf = new Map(keys.map((k, i) => [k, i]));
  const values = keys.map((k) => counts[k]!);
  const result = new Set(hidden);
  const pool = eligible.filter((k) => !result.has(k)).sort((a, b) => counts[b]! - counts[a]! || indexOf.get(a)! - indexOf.get(b)!);
  const valid = () => {
    // Cells kept from an earlier snapshot may have grown to any size: their sum pins nothing.
    const again = hiddenCells(values, threshold, new Set([...result].map((k) => indexOf.get(k)!)), 'any-size');
    return again.size === result.size;
  };
  let next = 0;
  while (next < pool.length && !valid()) {
    const value = counts[pool[next]!]!;
    while (next < pool.length && counts[pool[next]!] === value) result.add(pool[next++]!);
  }
  return result;
}

/** The hidden keys of a table with nothing published before: the single-table rule. */
function freshHidden(counts: CountsByKey, threshold: number): string[] {
  const keys = Object.keys(counts);
  const hidden = hiddenCells(
    keys.map((k) => counts[k]!),
    threshold,
  );
  return keys.filter((_, i) => hidden.has(i));
}

/** Rule points 2 and 3 for one breakdown, given its previous publication (undefined: first one). */
export function nextHidden(counts: CountsByKey, previous: SnapshotTable | undefined, threshold = SMALL_CELL_THRESHOLD): string[] {
  const keys = Object.keys(counts);
  if (threshold <= 0) return [];
  // Nothing was hidden behind a total of 0: every old count is known to be 0, as with no history.
  if (!previous || sum(Object.values(previous.counts)) === 0) return freshHidden(counts, threshold);
  // A hidden cell stays hidden for good: a revealed value bounds the old one from above, and with
  // the few old values the rule allowed that bound can pin it ([8, 8, 0, 9] then [8, 8, 5, 11]
  // gives the 0 back: the other filling, [8, 8, 9, 0], would need the 9 to shrink).
  const wasHidden = previous.hidden.filter((k) => k in counts);
  // A row the previous snapshot did not have counted 0 then: known, like a shown one.
  const newRows = keys.filter((k) => !(k in previous.counts));
  const small = keys.filter((k) => counts[k]! < threshold);
  // Kept cells may have grown to any size: their sum pins nothing (`any-size`). Complements come
  // from the cells already hidden, then from rows new in this snapshot.
  let hidden = completeBlock(counts, new Set([...wasHidden, ...small]), [...wasHidden, ...newRows], threshold);
  // Only a count that went down (never for settled months) can leave no hidden complement: then shown ones must serve.
  hidden = completeBlock(counts, hidden, keys, threshold);
  return keys.filter((k) => hidden.has(k));
}

/** Rule point 4: the period rows added since the previous snapshot, masked as a block of their own. */
export function nextBlocks(periodCounts: CountsByKey, previous: SnapshotBlocks | undefined, threshold = SMALL_CELL_THRESHOLD): SnapshotBlocks {
  const blocks = previous ? previous.blocks.map((b) => ({ rows: [...b.rows], hidden: [...b.hidden] })) : [];
  const known = new Set(blocks.flatMap((b) => b.rows));
  const added = Object.keys(periodCounts).filter((k) => !known.has(k));
  if (added.length > 0) {
    const block = Object.fromEntries(added.map((k) => [k, periodCounts[k]!]));
    blocks.push({ rows: added, hidden: threshold > 0 ? freshHidden(block, threshold) : [] });
  }
  // Published period rows keep their published counts: a period is in a snapshot only once settled.
  const counts: Record<string, number> = { ...(previous?.counts ?? {}) };
  for (const k of added) counts[k] = periodCounts[k]!;
  return { blocks, counts };
}

/** Whether a snapshot may be taken: the total moved by 0 or by at least the threshold since the previous one (point 4). */
export function mayTakeSnapshot(total: number, previous: CumulativeSnapshot | undefined, threshold = SMALL_CELL_THRESHOLD): boolean {
  if (!previous || threshold <= 0) return true;
  const moved = total - previous.total;
  return moved === 0 || moved >= threshold;
}

/**
 * The snapshot of `period`, from the counts as of its end and the previous snapshot. Returns the
 * previous snapshot, unchanged, when point 4 forbids a new one (the reader keeps seeing it).
 */
export function takeSnapshot(
  input: { period: string; publishedAt: string; tables: Readonly<Record<string, CountsByKey>>; periods: CountsByKey; total: number },
  previous: CumulativeSnapshot | undefined,
  threshold = SMALL_CELL_THRESHOLD,
): CumulativeSnapshot {
  if (previous && !mayTakeSnapshot(input.total, previous, threshold)) return previous;
  const tables: Record<string, SnapshotTable> = {};
  for (const [name, counts] of Object.entries(input.tables)) tables[name] = { counts: { ...counts }, hidden: nextHidden(counts, previous?.tables[name], threshold) };
  return { period: input.period, publishedAt: input.publishedAt, tables, periods: nextBlocks(input.periods, previous?.periods, threshold), total: input.total };
}

/** A cell as a reader gets it: the count, or null when hidden. */
export function shownIn(table: SnapshotTable | undefined, key: string): number | null {
  if (!table || !(key in table.counts) || table.hidden.includes(key)) return null;
  return table.counts[key]!;
}

/** A period row as a reader gets it. */
export function shownPeriod(periods: SnapshotBlocks, key: string): number | null {
  const block = periods.blocks.find((b) => b.rows.includes(key));
  if (!block || block.hidden.includes(key)) return null;
  return periods.counts[key] ?? null;
}

/**
 * Several scopes published together (all of a buyer's orders): the sums of their snapshots as
 * published, a cell shown only where every one of them shows it.
 *
 * Why not a snapshot of its own: the buyer reads each order's dashboard as well, and a total over
 * the orders masked on its own terms gives a masked cell of one order back by difference (place P:
 * 3 in order A, masked; 6 in order B, shown; 9 for both, shown: 9 − 6 = 3). Built this way, every
 * figure of the combination follows from the orders' own publications — a shown sum adds shown
 * cells, a masked one is masked — so a reader of all the exports knows nothing more than a reader
 * of the orders' ones, each safe by the rule above. The price: a cell masked in one order is masked
 * in the total. The figures are as of the oldest snapshot's month (orders whose snapshot moved on
 * count up to theirs); `period` says that month.
 */
export function combineSnapshots(parts: readonly CumulativeSnapshot[], emptyPeriod: string): CumulativeSnapshot {
  if (parts.length === 1) return parts[0]!;
  const tables: Record<string, SnapshotTable> = {};
  const names = new Set(parts.flatMap((p) => Object.keys(p.tables)));
  for (const name of names) {
    const keys = new Set(parts.flatMap((p) => Object.keys(p.tables[name]?.counts ?? {})));
    const counts: Record<string, number> = {};
    const hidden: string[] = [];
    for (const key of keys) {
      counts[key] = sum(parts.map((p) => p.tables[name]?.counts[key] ?? 0));
      if (parts.some((p) => shownIn(p.tables[name], key) === null)) hidden.push(key);
    }
    tables[name] = { counts, hidden };
  }
  const months = [...new Set(parts.flatMap((p) => p.periods.blocks.flatMap((b) => b.rows)))].sort();
  const periods: SnapshotBlocks = {
    blocks: months.length === 0 ? [] : [{ rows: months, hidden: months.filter((m) => parts.some((p) => shownPeriod(p.periods, m) === null)) }],
    counts: Object.fromEntries(months.map((m) => [m, sum(parts.map((p) => p.periods.counts[m] ?? 0))])),
  };
  const period = parts.length === 0 ? emptyPeriod : parts.map((p) => p.period).sort()[0]!;
  const publishedAt = parts.map((p) => p.publishedAt).sort().at(-1) ?? '';
  return { period, publishedAt, tables, periods, total: sum(parts.map((p) => p.total)) };
}
