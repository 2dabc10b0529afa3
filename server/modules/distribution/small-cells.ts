/**
 * Small-cell suppression (domain rule 10): buyers never see a count of fewer than 5 beneficiaries,
 * because "2 people over 75 in this village" points at individuals. Pure, no I/O.
 */
export const SMALL_CELL_THRESHOLD = 5;

export type Shown<T extends { count: number }> = Omit<T, 'count'> & { count: number | null };

/**
 * Hides every count from 1 to threshold − 1 (null, shown as "< 5"). When exactly one cell is hidden,
 * the total minus the visible cells would give it back, so the smallest visible cell is hidden too.
 */
export function suppressSmallCells<T extends { count: number }>(cells: readonly T[], threshold = SMALL_CELL_THRESHOLD): Shown<T>[] {
  const hidden = new Set<number>();
  cells.forEach((c, i) => {
    if (c.count > 0 && c.count < threshold) hidden.add(i);
  });
  if (hidden.size === 1) {
    let smallest = -1;
    cells.forEach((c, i) => {
      if (!hidden.has(i) && c.count > 0 && (smallest < 0 || c.count < cells[smallest]!.count)) smallest = i;
    });
    if (smallest >= 0) hidden.add(smallest);
  }
  return cells.map((c, i) => ({ ...c, count: hidden.has(i) ? null : c.count }));
}

/** A share between two groups reveals both counts once the total is known: both must be large enough. */
export function shareOrHidden(part: number, total: number, threshold = SMALL_CELL_THRESHOLD): number | null {
  if (total === 0) return null;
  if (threshold > 0 && ((part > 0 && part < threshold) || (total - part > 0 && total - part < threshold))) return null;
  return Math.round((part / total) * 1000) / 10;
}
