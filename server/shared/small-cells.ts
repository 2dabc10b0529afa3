/**
 * Small-cell suppression with complementary suppression (domain rule 10, issue 18): nobody outside
 * the operator sees a count of fewer than 5, because "2 people over 75 in this village" points at
 * individuals — and no hidden count may be worked back out of what is shown. Pure, no I/O; every
 * table of counts shown to buyers, the State or the public goes through here.
 *
 * A table is a list of cells that add up to a total the reader may know (the order's passes used,
 * the ledger's figures). The rule:
 * 1. every cell under the threshold is hidden, zero included — a table over a fixed list of rows
 *    (months, services, places) would otherwise say which hidden cells are at least 1, and two
 *    exports a day apart would then pin a cell that went from 0 to 1;
 * 2. while the hidden cells are fewer than two, or add up to less than the threshold, the largest
 *    visible cell is hidden too: the total minus the visible cells then only gives a sum of at
 *    least 5 spread over at least two cells, which many tables would produce. The largest, not the
 *    smallest: a reader who knows the rule knows the extra hidden cell is no larger than the smallest
 *    cell still shown when the smallest is taken, and that bound can pin both hidden cells
 *    ([8, 8, 4] would give away its 4); the largest has no such bound above it;
 * 3. a table whose total is 0 hides nothing: there is nobody to protect.
 * The property test (test/unit/small-cells.test.ts) checks, by enumerating every table that would
 * publish the same thing, that no hidden cell has a single possible value in one export. Two exports
 * of counts that grew in between can still bound a hidden cell by a cell shown in the other one: a
 * rule that sees one table cannot prevent that: public statistics publish each closed month once and
 * give it back from a history (`publication-history.ts`, test/unit/publication-history.test.ts).
 */
export const SMALL_CELL_THRESHOLD = 5;

export type Shown<T extends { count: number }> = Omit<T, 'count'> & { count: number | null };

/**
 * What a reader knows of the size of the cells hidden beforehand (`already`):
 * - `as-counted`: they count as small ones (a two-way table's other direction);
 * - `any-size`: nothing: kept hidden by an earlier snapshot, they may have grown to any size, so
 *   their sum pins nothing — and hiding one more cell because they happen to be small would itself
 *   say that they are.
 */
export type ReaderKnowledge = 'as-counted' | 'any-size';

/** Which cells of a list of counts are hidden (indices); `already` are hidden whatever their count (a two-way table's other direction). */
export function hiddenCells(
  counts: readonly number[],
  threshold = SMALL_CELL_THRESHOLD,
  already: ReadonlySet<number> = new Set(),
  readerKnows: ReaderKnowledge = 'as-counted',
): Set<number> {
  const hidden = new Set<number>();
  if (threshold <= 0) return hidden;
  let total = 0;
  let hiddenSum = 0;
  counts.forEach((count, i) => {
    total += count;
    if (count < threshold || already.has(i)) {
      hidden.add(i);
      hiddenSum += count;
    }
  });
  if (total === 0) return new Set(already);
  if (hidden.size === 0) return hidden;
  // Visible cells from the largest down; cells tied with the one taken go with it, since a tie
  // broken by position would tell the reader which of two equal cells the rule picked.
  const visible = counts.map((count, i) => ({ count, i })).filter((c) => !hidden.has(c.i));
  visible.sort((a, b) => b.count - a.count || a.i - b.i);
  const smallOnly = hidden.size;
  // Whether the sum of the hidden cells would pin each one (all under the threshold, all at
  // threshold − 1) depends on what the reader knows of the cells in `already`; see ReaderKnowledge.
  const sumMayPin = readerKnows === 'as-counted' || already.size === 0;
  const needsMore = () =>
    hidden.size < 2 ||
    hiddenSum < threshold ||
    // Hidden cells all under the threshold and all at threshold − 1: their sum would pin each one.
    (sumMayPin && hidden.size === smallOnly && hiddenSum === smallOnly * (threshold - 1));
  let next = 0;
  while (next < visible.length && needsMore()) {
    const value = visible[next]!.count;
    while (next < visible.length && visible[next]!.count === value) {
      hidden.add(visible[next]!.i);
      hiddenSum += value;
      next++;
    }
  }
  return hidden;
}

/**
 * A two-way table (rows × columns) whose row and column totals may both be known: each row, then
 * each column, is suppressed as a list, keeping what the other direction hid, until nothing more
 * changes. Returns hidden[row][column].
 */
export function hiddenTableCells(table: readonly (readonly number[])[], threshold = SMALL_CELL_THRESHOLD): boolean[][] {
  const hidden = table.map((row) => row.map(() => false));
  const columns = table[0]?.length ?? 0;
  for (let changed = true, rounds = 0; changed && rounds < 50; rounds++) {
    changed = false;
    const apply = (cells: [number, number][]) => {
      const already = new Set(cells.flatMap(([r, c], i) => (hidden[r]![c] ? [i] : [])));
      const now = hiddenCells(
        cells.map(([r, c]) => table[r]![c]!),
        threshold,
        already,
      );
      for (const i of now) {
        const [r, c] = cells[i]!;
        if (!hidden[r]![c]) changed = hidden[r]![c] = true;
      }
    };
    for (let r = 0; r < table.length; r++) apply(Array.from({ length: columns }, (_, c): [number, number] => [r, c]));
    for (let c = 0; c < columns; c++) apply(table.map((_, r): [number, number] => [r, c]));
  }
  return hidden;
}

/** The cells with each hidden count replaced by null (shown as « secret statistique »). */
export function suppressSmallCells<T extends { count: number }>(cells: readonly T[], threshold = SMALL_CELL_THRESHOLD): Shown<T>[] {
  const hidden = hiddenCells(
    cells.map((c) => c.count),
    threshold,
  );
  return cells.map((c, i) => ({ ...c, count: hidden.has(i) ? null : c.count }));
}

/** A share between two groups reveals both counts once the total is known: both must be large enough. */
export function shareOrHidden(part: number, total: number, threshold = SMALL_CELL_THRESHOLD): number | null {
  if (total === 0) return null;
  if (threshold > 0 && ((part > 0 && part < threshold) || (total - part > 0 && total - part < threshold))) return null;
  return Math.round((part / total) * 1000) / 10;
}

/**
 * How a masked cell reads, in pages and CSV files alike. Not "< 5": complementary suppression
 * also hides cells that may be large (hidden to protect a small one), so "< 5" would be false.
 */
export const MASKED_CELL_LABEL = 'secret statistique';

/** A count as shown to a reader: the number in French, or the masked-cell label. */
export function shownCount(count: number | null): string {
  return count === null ? MASKED_CELL_LABEL : count.toLocaleString('fr-FR');
}
