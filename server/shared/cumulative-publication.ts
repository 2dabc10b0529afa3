import { pinnedCells, type LinearConstraint } from './disclosure-audit.ts';
import { hiddenCells, SMALL_CELL_THRESHOLD } from './small-cells.ts';

/**
 * Masking of the buyers' usage dashboards that holds across every export (issue 18): audit before
 * publication.
 *
 * A buyer sees, for each settled month, one dashboard per order and one for all its orders. Rules
 * that look at one table, or at two successive exports, have all leaked: a counterexample fast-check
 * found after two months; the all-orders cell is the sum of the per-order cells, so a buyer with
 * several orders works a masked per-order cell back from its other orders; counts that go down
 * (booklets distributed but never started, the "not used" band) break "cells only grow"; and a
 * reader may hold three exports or more. Each patch to the old rule left another hole, so the rule
 * is now the one statistical offices use (τ-Argus's audit): everything a buyer was ever shown —
 * every publication of every one of its dashboards, each breakdown's total, the all-orders = Σ
 * per-order identity, "this count never decreases" for cumulative counts (not for those that may
 * decrease), "a settled month's count never changes" — is a system of linear constraints on the
 * true cells, and a publication is made only if no masked cell of any publication, old ones
 * included, is then pinned to a single value (server/shared/disclosure-audit.ts, exact verdicts).
 *
 * Why "not pinned" is the protection asked: masked cells are small or complements of small ones,
 * so a reader always knows they are in some range; what the rule must prevent is the value itself
 * (2 uses at this place). A range is often [0, a few]: that is what masking says anyway.
 *
 * The publication of a month (`publishMonth`):
 * 1. a first mask per breakdown: cells under the threshold (zeros included), then complements as
 *    in `small-cells.ts`, taken only among cells never shown before (a cell once shown stays shown;
 *    a count that went back under the threshold is hidden again: it is a new small count);
 * 2. the audit of everything shown so far plus this candidate; while some masked cell is pinned,
 *    the candidate hides one more cell of that breakdown among those never shown (same dashboard
 *    first, then the all-orders one, then the others; largest first) and is audited again. Only
 *    when none is left does a cumulative cell shown before serve (its old value is then a lower
 *    bound, which the audit counts with): without that, a buyer's second order starting after its
 *    first one's cells were shown would freeze its dashboards for good (a small cell of the new
 *    order = the shown all-orders cell − the shown cell of the first order);
 * 3. when nothing is left to hide, nothing is published for that month: the previous publication
 *    stays, dated by its month (`figuresAsOf`).
 * All dashboards of a buyer are published together, for the same month, so that the identity holds
 * between snapshots the reader can line up. Pure, no I/O: the caller loads and stores publications.
 */

export type CountsByKey = Readonly<Record<string, number>>;

/** A breakdown as published: the true counts (kept server-side, never shown) and the hidden keys. */
export interface SnapshotTable {
  counts: Record<string, number>;
  hidden: string[];
}

/** One dashboard as published for a month: its breakdowns (months included, as the table `month`) and the shown total of uses. */
export interface CumulativeSnapshot {
  period: string;
  publishedAt: string;
  tables: Record<string, SnapshotTable>;
  total: number;
}

/** All of a buyer's dashboards for one month. `sumScope`, when set, is the dashboard that is the sum of all the others. */
export interface Publication {
  period: string;
  scopes: Record<string, CumulativeSnapshot>;
  sumScope: string | null;
}

/** How a count may move from one publication to the next: cumulative, frozen (a settled month), or either way. */
export type CellChange = 'grows' | 'fixed' | 'free';
export type ChangeOf = (table: string, key: string) => CellChange;
export const alwaysGrows: ChangeOf = () => 'grows';

const sum = (values: Iterable<number>) => [...values].reduce((s, v) => s + v, 0);

interface CellRef {
  publication: number;
  scope: string;
  table: string;
  key: string;
}
const idOf = (c: CellRef) => JSON.stringify([c.publication, c.scope, c.table, c.key]);
export const cellOf = (id: string): CellRef => {
  const [publication, scope, table, key] = JSON.parse(id) as [number, string, string, string];
  return { publication, scope, table, key };
};

/**
 * The masked cells of `publications` (in publication order) that a reader holding all of them pins
 * to one value, as cell ids (`cellOf`).
 */
export function leakedCells(publications: readonly Publication[], changeOf: ChangeOf = alwaysGrows): string[] {
  const truth = new Map<string, number>();
  const constraints: LinearConstraint[] = [];
  // A cell as a term: its id when masked, else its shown value (a constant).
  const term = (c: CellRef): { id: string } | { value: number } | undefined => {
    const table = publications[c.publication]!.scopes[c.scope]?.tables[c.table];
    if (!table || !(c.key in table.counts)) return undefined;
    if (!table.hidden.includes(c.key)) return { value: table.counts[c.key]! };
    const id = idOf(c);
    truth.set(id, table.counts[c.key]!);
    return { id };
  };
  const add = (parts: ({ id: string } | { value: number } | undefined)[], coefficients: number[], relation: LinearConstraint['relation'], rhs: number) => {
    const terms = new Map<string, number>();
    let constant = 0;
    parts.forEach((p, i) => {
      if (!p) return;
      if ('id' in p) terms.set(p.id, (terms.get(p.id) ?? 0) + coefficients[i]!);
      else constant += coefficients[i]! * p.value;
    });
    if (terms.size > 0) constraints.push({ terms, relation, rhs: rhs - constant });
  };

  publications.forEach((p, i) => {
    for (const [scope, snapshot] of Object.entries(p.scopes)) {
      for (const [name, table] of Object.entries(snapshot.tables)) {
        const keys = Object.keys(table.counts);
        // Each breakdown's total is known (passes used, booklets distributed…).
        add(
          keys.map((key) => term({ publication: i, scope, table: name, key })),
          keys.map(() => 1),
          'equal',
          sum(Object.values(table.counts)),
        );
        if (scope === p.sumScope) {
          const parts = Object.keys(p.scopes).filter((s) => s !== scope);
          for (const key of keys) {
            const cells = [term({ publication: i, scope, table: name, key }), ...parts.map((s) => term({ publication: i, scope: s, table: name, key }))];
            add(cells, [1, ...parts.map(() => -1)], 'equal', 0);
          }
        }
        // The same cell in the next publication that has it: never smaller, or equal.
        for (const key of keys) {
          const change = changeOf(name, key);
          if (change === 'free') continue;
          const next = publications.findIndex((q, j) => j > i && q.scopes[scope]?.tables[name] !== undefined && key in q.scopes[scope].tables[name].counts);
          if (next < 0) continue;
          // A count declared cumulative that went down after all (a correction) gives the reader no such link.
          if (change === 'grows' && table.counts[key]! > publications[next]!.scopes[scope]!.tables[name]!.counts[key]!) continue;
          const cells = [term({ publication: i, scope, table: name, key }), term({ publication: next, scope, table: name, key })];
          add(cells, [1, -1], change === 'fixed' ? 'equal' : 'atMost', 0);
        }
      }
    }
  });
  return pinnedCells({ truth, constraints });
}

/**
 * Whether a cell may not serve as a complement: a cumulative or frozen one shown in some earlier
 * publication stays shown (hiding it again would only blur what the reader already holds as a lower
 * bound). A count that may go down is a new figure each month: its shown past bounds nothing.
 */
function everShown(history: readonly Publication[], scope: string, table: string, key: string, changeOf: ChangeOf): boolean {
  if (changeOf(table, key) === 'free') return false;
  return history.some((p) => {
    const t = p.scopes[scope]?.tables[table];
    return t !== undefined && key in t.counts && !t.hidden.includes(key);
  });
}

/** Rule point 1 for one breakdown: small cells, then single-table complements among cells never shown. */
function firstMask(counts: CountsByKey, eligible: (key: string) => boolean, frozen: (key: string) => boolean, threshold: number): Set<string> {
  const keys = Object.keys(counts);
  // A table of one row is its total, which is shown (the first month of an order); of total 0, it protects nobody.
  if (keys.length < 2 || sum(Object.values(counts)) === 0) return new Set();
  // A settled month once shown is known for good: hiding it again would protect nothing.
  const hidden = new Set(keys.filter((k) => counts[k]! < threshold && !frozen(k)));
  const pool = keys.filter((k) => !hidden.has(k) && eligible(k)).sort((a, b) => counts[b]! - counts[a]!);
  const values = keys.map((k) => counts[k]!);
  const valid = () => hiddenCells(values, threshold, new Set(keys.flatMap((k, i) => (hidden.has(k) ? [i] : [])))).size === hidden.size;
  let next = 0;
  while (next < pool.length && !valid()) {
    const value = counts[pool[next]!]!;
    while (next < pool.length && counts[pool[next]!] === value) hidden.add(pool[next++]!);
  }
  return hidden;
}

export interface MonthFigures {
  period: string;
  publishedAt: string;
  /** Per dashboard: its breakdowns' true counts as of the end of the month, and its total of uses. */
  scopes: Record<string, { tables: Record<string, CountsByKey>; total: number }>;
  sumScope: string | null;
}

/**
 * The publication of a month (rule points 1 to 3), given every earlier publication of the buyer in
 * order; null when no masking of it passes the audit (the previous publication stays).
 */
export function publishMonth(figures: MonthFigures, history: readonly Publication[], options: { changeOf?: ChangeOf; threshold?: number; maxAmendments?: number } = {}): Publication | null {
  const { changeOf = alwaysGrows, threshold = SMALL_CELL_THRESHOLD } = options;
  const hidden = new Map<string, Set<string>>(); // `${scope}\u0000${table}` → hidden keys
  const slot = (scope: string, table: string) => `${scope}\u0000${table}`;
  for (const [scope, s] of Object.entries(figures.scopes)) {
    for (const [table, counts] of Object.entries(s.tables)) {
      hidden.set(slot(scope, table), threshold > 0 ? firstMask(
              counts,
              (k) => !everShown(history, scope, table, k, changeOf),
              (k) => changeOf(table, k) === 'fixed' && everShown(history, scope, table, k, changeOf),
              threshold,
            ) : new Set());
    }
  }
  const candidate = (): Publication => ({
    period: figures.period,
    sumScope: figures.sumScope,
    scopes: Object.fromEntries(
      Object.entries(figures.scopes).map(([scope, s]) => [
        scope,
        {
          period: figures.period,
          publishedAt: figures.publishedAt,
          total: s.total,
          tables: Object.fromEntries(Object.entries(s.tables).map(([table, counts]) => [table, { counts: { ...counts }, hidden: Object.keys(counts).filter((k) => hidden.get(slot(scope, table))!.has(k)) }])),
        },
      ]),
    ),
  });
  if (threshold <= 0) return candidate();
  /** Hides one more cell of the leak's breakdown; false when none may be hidden. */
  const amend = (leak: ReturnType<typeof cellOf>): boolean => {
    const scopes = Object.keys(figures.scopes).sort((a, b) => rank(a, leak.scope, figures.sumScope) - rank(b, leak.scope, figures.sumScope));
    // Cells never shown first; only when none is left, a cumulative cell shown before (its old value
    // is then a lower bound the audit counts with); a settled month shown before never (it is known).
    const tiers = [(scope: string, k: string) => !everShown(history, scope, leak.table, k, changeOf), (_scope: string, k: string) => changeOf(leak.table, k) !== 'fixed'];
    for (const eligible of tiers) {
      for (const scope of scopes) {
        const counts = figures.scopes[scope]!.tables[leak.table];
        if (!counts) continue;
        const keys = hidden.get(slot(scope, leak.table))!;
        const pool = Object.keys(counts)
          .filter((k) => !keys.has(k) && eligible(scope, k))
          .sort((a, b) => counts[b]! - counts[a]!);
        if (pool.length === 0) continue;
        keys.add(pool[0]!);
        return true;
      }
    }
    return false;
  };
  const maxAmendments = options.maxAmendments ?? 1000;
  for (let round = 0; round <= maxAmendments; round++) {
    const published = candidate();
    const leaks = leakedCells([...history, published], changeOf).map(cellOf);
    // A new cell pinned at 0 is shown: nobody is behind it, and the reader already knew it.
    const zeros = leaks.filter((c) => c.publication === history.length && figures.scopes[c.scope]!.tables[c.table]![c.key] === 0);
    for (const c of zeros) hidden.get(slot(c.scope, c.table))!.delete(c.key);
    const rest = leaks.filter((c) => !zeros.includes(c));
    if (rest.length === 0) return zeros.length === 0 ? published : candidate();
    // Rule point 2: one more cell hidden in the breakdown of each leak (one per dashboard and breakdown a round).
    const seen = new Set<string>();
    for (const leak of rest) {
      if (seen.has(slot(leak.scope, leak.table))) continue;
      seen.add(slot(leak.scope, leak.table));
      if (!amend(leak)) return null;
    }
  }
  return null;
}

/** Amendment order: the leaking cell's own dashboard, then the all-orders one, then the others. */
const rank = (scope: string, leakScope: string, sumScope: string | null) => (scope === leakScope ? 0 : scope === sumScope ? 1 : 2);

/** A cell as a reader gets it: the count, or null when hidden. */
export function shownIn(table: SnapshotTable | undefined, key: string): number | null {
  if (!table || !(key in table.counts) || table.hidden.includes(key)) return null;
  return table.counts[key]!;
}
