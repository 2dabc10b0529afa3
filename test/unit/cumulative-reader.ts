import type { ChangeOf, Publication } from '../../server/shared/cumulative-publication.ts';

/*
 * A brute-force reader of a buyer's usage dashboards (issue 18), independent of the auditor: it
 * holds every publication, knows each breakdown's total, that the all-orders dashboard is the sum
 * of the per-order ones, which counts never decrease and which never change, and enumerates every
 * integer table consistent with all of it. A masked cell leaks when it has a single possible value.
 *
 * Breakdowns are read one at a time: two breakdowns of one dashboard share only their total, which
 * is known, and two growing breakdowns with equal growth always come from some growing table
 * crossing them (a transport problem with equal margins is always feasible), so no cell is pinned
 * jointly that is not pinned alone.
 */

type Cells = Record<string, number>;

function* fillings(shown: Record<string, number | null>, total: number, floor: Cells | undefined, fixed: (key: string) => boolean): Generator<Cells> {
  const keys = Object.keys(shown);
  const base: Cells = {};
  for (const k of keys) {
    const s = shown[k];
    if (s !== null && s !== undefined) {
      base[k] = s;
      if (floor && k in floor && (fixed(k) ? s !== floor[k] : s < floor[k]!)) return;
    } else base[k] = floor?.[k] ?? 0;
  }
  const free = keys.filter((k) => shown[k] === null && !(floor && k in floor && fixed(k)));
  const rest = total - keys.reduce((s, k) => s + base[k]!, 0);
  if (rest < 0) return;
  if (free.length === 0) {
    if (rest === 0) yield base;
    return;
  }
  const spread = function* (i: number, left: number, acc: Cells): Generator<Cells> {
    if (i === free.length - 1) {
      yield { ...acc, [free[i]!]: acc[free[i]!]! + left };
      return;
    }
    for (let x = 0; x <= left; x++) yield* spread(i + 1, left - x, { ...acc, [free[i]!]: acc[free[i]!]! + x });
  };
  yield* spread(0, rest, base);
}

/** The masked cells a reader pins, as `publication/scope/key` strings, for the breakdown `table`. */
export function bruteForceLeaks(publications: readonly Publication[], table: string, changeOf: (key: string) => ReturnType<ChangeOf>): string[] {
  const masked = new Map<string, Set<number>>();
  publications.forEach((p, i) => {
    for (const [scope, s] of Object.entries(p.scopes)) {
      const t = s.tables[table];
      for (const k of t?.hidden ?? []) masked.set(`${i}/${scope}/${k}`, new Set());
    }
  });
  if (masked.size === 0) return [];
  const steps: { i: number; scope: string }[] = [];
  publications.forEach((p, i) => {
    for (const scope of Object.keys(p.scopes)) if (scope !== p.sumScope && p.scopes[scope]!.tables[table]) steps.push({ i, scope });
  });
  const shownOf = (i: number, scope: string) => {
    const t = publications[i]!.scopes[scope]!.tables[table]!;
    return Object.fromEntries(Object.keys(t.counts).map((k) => [k, t.hidden.includes(k) ? null : t.counts[k]!]));
  };
  const totalOf = (i: number, scope: string) => Object.values(publications[i]!.scopes[scope]!.tables[table]!.counts).reduce((a, b) => a + b, 0);
  const assigned = new Map<string, Cells>(); // `${i}/${scope}` → cells
  const settled = () => [...masked.values()].every((v) => v.size >= 2);
  const previousOf = (i: number, scope: string) => {
    for (let j = i - 1; j >= 0; j--) if (assigned.has(`${j}/${scope}`)) return assigned.get(`${j}/${scope}`);
    return undefined;
  };
  const floorOf = (prev: Cells | undefined): Cells | undefined => (prev ? Object.fromEntries(Object.entries(prev).filter(([k]) => changeOf(k) !== 'free')) : undefined);
  /** The all-orders dashboard of publication i, once its orders are filled: its cells are their sums. */
  const sumMatches = (i: number): Cells | null => {
    const p = publications[i]!;
    if (!p.sumScope || !p.scopes[p.sumScope]?.tables[table]) return {};
    const shown = shownOf(i, p.sumScope);
    const sums: Cells = {};
    for (const k of Object.keys(shown)) {
      sums[k] = Object.keys(p.scopes)
        .filter((s) => s !== p.sumScope && p.scopes[s]!.tables[table])
        .reduce((a, s) => a + (assigned.get(`${i}/${s}`)![k] ?? 0), 0);
      if (shown[k] !== null && shown[k] !== sums[k]) return null;
    }
    // The all-orders dashboard's own history: same monotonicity as its parts'.
    const prev = previousOf(i, p.sumScope);
    for (const k of Object.keys(sums)) {
      const change = changeOf(k);
      if (prev && k in prev && ((change === 'grows' && sums[k]! < prev[k]!) || (change === 'fixed' && sums[k] !== prev[k]))) return null;
    }
    return sums;
  };
  const record = () => {
    for (const [key, values] of masked) {
      const [i, scope, k] = key.split('/') as [string, string, string];
      values.add(assigned.get(`${i}/${scope}`)![k]!);
    }
  };
  const visit = (step: number): boolean => {
    if (step === steps.length) {
      record();
      return settled();
    }
    const { i, scope } = steps[step]!;
    const last = step + 1 === steps.length || steps[step + 1]!.i !== i;
    for (const cells of fillings(shownOf(i, scope), totalOf(i, scope), floorOf(previousOf(i, scope)), (k) => changeOf(k) === 'fixed')) {
      assigned.set(`${i}/${scope}`, cells);
      if (last) {
        const sumScope = publications[i]!.sumScope;
        const sums = sumMatches(i);
        if (sums === null) continue;
        if (sumScope) assigned.set(`${i}/${sumScope}`, sums);
      }
      if (visit(step + 1)) return true;
    }
    assigned.delete(`${i}/${scope}`);
    return false;
  };
  visit(0);
  return [...masked].filter(([, v]) => v.size < 2).map(([k]) => k);
}
