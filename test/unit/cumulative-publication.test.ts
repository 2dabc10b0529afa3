import t from 'tap';
import fc from 'fast-check';
import { combineSnapshots, mayTakeSnapshot, nextBlocks, nextHidden, takeSnapshot, type CountsByKey, type CumulativeSnapshot, type SnapshotTable, shownIn, shownPeriod } from '../../server/shared/cumulative-publication.ts';
import { hiddenCells } from '../../server/shared/small-cells.ts';

/*
 * A reader holds two exports of a buyer's cumulative dashboard taken at different times, with uses
 * in between (issue 18). It knows the masking rule, every shown cell, the total (passes used, shared
 * by every breakdown) of each export, and that counts only grow (every month in a snapshot is
 * settled). It tries every pair of tables (earlier, later) that the rule would publish exactly as
 * the two exports; a masked cell leaks when all those pairs give it one value.
 *
 * Breakdowns that share a total (by service, by place…) are tried one by one: two one-way
 * breakdowns with the same total always come from some table of uses crossing them (and two
 * growing ones from a growing crossing), so a pair of breakdowns is consistent exactly when each
 * one is; no cell is pinned jointly that is not pinned alone.
 */

const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
const asCounts = (values: readonly number[]): Record<string, number> => Object.fromEntries(values.map((v, i) => [`c${i}`, v]));
const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);

function* compositions(total: number, parts: number): Generator<number[]> {
  if (parts === 0) {
    if (total === 0) yield [];
    return;
  }
  if (parts === 1) {
    yield [total];
    return;
  }
  for (let first = 0; first <= total; first++) for (const rest of compositions(total - first, parts - 1)) yield [first, ...rest];
}

interface Export {
  shown: (number | null)[];
  total: number;
}

const exportOf = (counts: readonly number[], hidden: readonly string[]): Export => ({ shown: counts.map((v, i) => (hidden.includes(`c${i}`) ? null : v)), total: sum(counts) });
const sameExport = (a: Export, b: Export) => a.total === b.total && a.shown.every((v, i) => v === b.shown[i]);

/** Tables with the export's shown cells and total, the hidden ones filled in every way, at least `floor` cell by cell. */
function* fillings(e: Export, floor?: readonly number[]): Generator<number[]> {
  const hiddenAt = e.shown.flatMap((v, i) => (v === null ? [i] : []));
  const base = e.shown.map((v, i) => v ?? floor?.[i] ?? 0);
  if (floor && e.shown.some((v, i) => v !== null && v < floor[i]!)) return;
  const rest = e.total - sum(base);
  if (rest < 0) return;
  for (const extra of compositions(rest, hiddenAt.length)) {
    const table = [...base];
    hiddenAt.forEach((at, j) => (table[at] = table[at]! + extra[j]!));
    yield table;
  }
}

type Rule = (later: readonly number[], earlier: { counts: readonly number[]; hidden: readonly string[] }) => string[];

/** The rule under test: masking that starts from the previous snapshot. */
const withHistory: Rule = (later, earlier) => nextHidden(asCounts(later), { counts: asCounts(earlier.counts), hidden: [...earlier.hidden] } satisfies SnapshotTable);
/** The old rule: each export masked afresh from that day's counts alone. */
const afresh: Rule = (later) => {
  const hidden = hiddenCells(later);
  return keysOf(later.length).filter((_, i) => hidden.has(i));
};
const firstHidden = (counts: readonly number[]) => nextHidden(asCounts(counts), undefined);

/** Masked cells of either export that the reader pins. */
function leaks(earlierCounts: readonly number[], laterCounts: readonly number[], rule: Rule): string[] {
  const earlierHidden = firstHidden(earlierCounts);
  const laterHidden = rule(laterCounts, { counts: earlierCounts, hidden: earlierHidden });
  const first = exportOf(earlierCounts, earlierHidden);
  const second = exportOf(laterCounts, laterHidden);
  const values = earlierCounts.map(() => ({ earlier: new Set<number>(), later: new Set<number>() }));
  for (const x of fillings(first)) {
    if (!sameExport(exportOf(x, firstHidden(x)), first)) continue;
    for (const y of fillings(second, x)) {
      if (!sameExport(exportOf(y, rule(y, { counts: x, hidden: firstHidden(x) })), second)) continue;
      x.forEach((v, i) => values[i]!.earlier.add(v));
      y.forEach((v, i) => values[i]!.later.add(v));
    }
  }
  return values.flatMap((v, i) => [
    ...(first.shown[i] === null && v.earlier.size < 2 ? [`earlier c${i}`] : []),
    ...(second.shown[i] === null && v.later.size < 2 ? [`later c${i}`] : []),
  ]);
}

/** Uses between the two exports: each one goes to a service, a place and a month. */
const activity = fc.record({
  services: fc.integer({ min: 2, max: 4 }),
  places: fc.integer({ min: 2, max: 3 }),
  before: fc.array(fc.record({ service: fc.nat(3), place: fc.nat(2), month: fc.nat(1) }), { maxLength: 12 }),
  between: fc.array(fc.record({ service: fc.nat(3), place: fc.nat(2), month: fc.integer({ min: 2, max: 3 }) }), { maxLength: 10 }),
});
type Activity = typeof activity extends fc.Arbitrary<infer A> ? A : never;

function breakdowns(a: Activity) {
  const count = (events: Activity['before'], size: number, of: (e: Activity['before'][number]) => number) => {
    const counts = Array.from({ length: size }, () => 0);
    for (const e of events) counts[of(e) % size]!++;
    return counts;
  };
  const after = [...a.before, ...a.between];
  return [
    { name: 'service', earlier: count(a.before, a.services, (e) => e.service), later: count(after, a.services, (e) => e.service) },
    { name: 'place', earlier: count(a.before, a.places, (e) => e.place), later: count(after, a.places, (e) => e.place) },
  ];
}

function allLeaks(a: Activity, rule: Rule): string[] {
  return breakdowns(a).flatMap((b) => leaks(b.earlier, b.later, rule).map((l) => `${b.name} ${l}`));
}

/**
 * The same reader against the whole rule: a second export differs from the first only when a
 * snapshot may be taken (the total moved by 0 or by at least the threshold, point 4 of the rule);
 * otherwise it is the first one again and tells nothing new. The reader knows both totals, so it
 * knows which case it is in.
 */
function snapshotLeaks(a: Activity): string[] {
  const earlierTotal = a.before.length;
  const previous = { total: earlierTotal } as CumulativeSnapshot;
  if (!mayTakeSnapshot(earlierTotal + a.between.length, previous)) return [];
  return allLeaks(a, withHistory);
}

t.test('the reader model catches what masking each export afresh gives away', async (t) => {
  // [3, 4, 9] hides 3 and 4; two more uses of the second service: [3, 6, 9] hides 3 and 9 and shows
  // the 6. The 9 was shown the day before and counts only grow: 18 − 6 − 9 gives the 3, then 7 − 3 the 4.
  t.same(leaks([3, 4, 9], [3, 6, 9], afresh).sort(), ['earlier c0', 'earlier c1', 'later c0', 'later c2'].sort());
  const found = fc.check(
    fc.property(activity, (a) => allLeaks(a, afresh).length === 0),
    { numRuns: 300, seed: 18 },
  );
  t.ok(found.failed, `masking afresh leaks across two exports: ${JSON.stringify(found.counterexample)}`);
});

t.test('masking that starts from the previous snapshot: the case that masking afresh gives away is safe', async (t) => {
  t.same(leaks([3, 4, 9], [3, 6, 9], withHistory), [], 'the same case is safe');
  t.same(withHistory([3, 6, 9], { counts: [3, 4, 9], hidden: ['c0', 'c1'] }), ['c0', 'c1'], 'two new uses hidden: nothing is revealed');
});

t.test('masking that starts from the previous snapshot: no masked cell of either export follows from the other and the totals', async (t) => {
  // Found by fast-check on 2026-12-02 and 03 (the rule was fixed for each; see small-cells.ts, ReaderKnowledge):
  const uses = (services: number[], month: number) => services.map((service) => ({ service, place: 0, month }));
  // [5, 4, 1] then [7, 7, 1]: the two kept cells add up to 8; hiding the 7 shown because both
  // "happen" to be 4 would have said they were not, and the reverse.
  t.same(snapshotLeaks({ services: 3, places: 2, before: uses([0, 1, 1, 0, 0, 1, 0, 1, 0, 2], 0), between: uses([1, 0, 0, 1, 1], 2) }), [], '[5, 4, 1] then [7, 7, 1]');
  t.same(snapshotLeaks({ services: 3, places: 2, before: uses([0, 1, 1, 0, 0, 2, 0, 1, 0, 2], 0), between: uses([2, 0, 0, 2, 1], 2) }), [], '[5, 3, 2] then [7, 4, 4]');
  // [3, 4, 1] then [8, 4, 4]: after a reveal the kept cells are known to be small, so two 4s need a third cell.
  t.same(snapshotLeaks({ services: 3, places: 2, before: uses([1, 0, 1, 1, 0, 2, 0, 1], 0), between: uses([2, 0, 0, 2, 0, 0, 0, 2], 2) }), [], '[3, 4, 1] then [8, 4, 4]');
  // Three more uses: no new snapshot, the reader gets the first one again.
  t.same(snapshotLeaks({ services: 3, places: 2, before: uses([1, 0, 0, 0, 1, 1, 2, 0, 1, 0], 0), between: uses([1, 1, 1], 2) }), [], 'a move of 3 publishes nothing new');
  fc.assert(
    fc.property(activity, (a) => snapshotLeaks(a).length === 0),
    { numRuns: 400 },
  );
  t.pass('400 random pairs of exports with uses in between');
});

t.test('a hidden cell stays hidden in every later snapshot, however much it grew', async (t) => {
  const previous = { counts: { a: 3, b: 4, c: 9 }, hidden: ['a', 'b'] };
  t.same(nextHidden({ a: 3, b: 8, c: 9 }, previous), ['a', 'b'], '+4 on the hidden cells: b stays hidden');
  t.same(nextHidden({ a: 5, b: 8, c: 9 }, previous), ['a', 'b'], '+6, both past the threshold: still hidden');
  t.same(nextHidden({ a: 30, b: 40, c: 9 }, previous), ['a', 'b'], 'ten times larger: still hidden');
  t.same(nextHidden({ a: 3, b: 4, c: 30 }, previous), ['a', 'b'], 'uses of shown cells reveal nothing, and a shown cell is never hidden again');
  t.same(nextHidden({ a: 3, b: 4, c: 9, d: 2 }, previous), ['a', 'b', 'd'], 'a new small row joins the hidden ones');
  t.same(nextHidden({ a: 3, b: 4, c: 9, d: 7 }, previous), ['a', 'b'], 'a new row of 7 is shown: its old count, 0, was known');
  // The case that sank revealing: [8, 8, 0, 9] hides the 0 and the 9 (the other filling is
  // [8, 8, 9, 0]); had [8, 8, 5, 11] shown them, 5 < 9 would have ruled [8, 8, 9, 0] out and given the 0 back.
  t.same(leaks([8, 8, 0, 9], [8, 8, 5, 11], withHistory), [], '[8, 8, 0, 9] then [8, 8, 5, 11]');
  const revealing: Rule = (later, earlier) => (withHistory(later, earlier).every((k) => later[Number(k.slice(1))]! >= 5) ? [] : withHistory(later, earlier));
  t.same(leaks([8, 8, 0, 9], [8, 8, 5, 11], revealing), ['earlier c2', 'earlier c3'], 'revealing cells once they are all past the threshold gives the 0 and the 9 back');
});

t.test('any growing table, any growth: no masked cell of either export follows from the other and the totals', async (t) => {
  // Tables of 2 to 4 cells under 10, each cell growing by 0 to 5: wider than the uses above, which
  // missed the case of the test before this one.
  // Unbiased: fast-check's default leans to small values, which the leak above needs none of.
  const growing = fc
    .noBias(fc.array(fc.tuple(fc.nat(9), fc.nat(5)), { minLength: 2, maxLength: 4 }))
    .filter((cells) => cells.some(([v]) => v > 0));
  fc.assert(
    fc.property(growing, (cells) => leaks(cells.map(([v]) => v), cells.map(([v, g]) => v + g), withHistory).length === 0),
    { numRuns: 500 },
  );
  t.pass('500 random growing tables');
});

t.test('months are masked in blocks, and no snapshot is taken while the total moved by 1 to 4', async (t) => {
  const months = { '2026-01': 2, '2026-02': 9 };
  const first = nextBlocks(months, undefined);
  t.same(first.blocks, [{ rows: ['2026-01', '2026-02'], hidden: ['2026-01', '2026-02'] }]);
  const second = nextBlocks({ ...months, '2026-03': 6, '2026-04': 0 }, first);
  t.same(second.blocks[1], { rows: ['2026-03', '2026-04'], hidden: ['2026-03', '2026-04'] }, 'the two new months are a block of total 6: the 0 hides the 6');
  t.same(second.blocks[0], first.blocks[0], 'the first block is given back as published');

  const snapshot = (period: string, total: number, previous?: CumulativeSnapshot) =>
    takeSnapshot({ period, publishedAt: `${period}-02`, tables: { service: { a: total } as CountsByKey }, periods: { [period]: total - (previous?.total ?? 0) }, total }, previous);
  const january = snapshot('2026-01', 12);
  t.equal(snapshot('2026-02', 15, january), january, 'three uses in February: January stays the published snapshot');
  t.equal(snapshot('2026-02', 12, january).period, '2026-02', 'no use: the snapshot moves on');
  t.equal(snapshot('2026-02', 17, january).period, '2026-02', 'five uses: the snapshot moves on');
});

t.test('several orders together: the combination tells nothing the orders’ own exports do not', async (t) => {
  const keys = ['a', 'b', 'c', 'd'];
  const part = fc.record({
    counts: fc.array(fc.nat(12), { minLength: 4, maxLength: 4 }),
    hidden: fc.subarray(keys),
    months: fc.array(fc.nat(12), { minLength: 2, maxLength: 2 }),
    hiddenMonths: fc.subarray(['2026-11', '2026-12']),
    move: fc.tuple(fc.nat(3), fc.nat(3)),
  });
  const snapshotOf = (p: { counts: number[]; hidden: string[]; months: number[]; hiddenMonths: string[] }): CumulativeSnapshot => ({
    period: '2026-12',
    publishedAt: '2027-01-02',
    tables: { service: { counts: Object.fromEntries(keys.map((k, i) => [k, p.counts[i]!])), hidden: p.hidden } },
    periods: { blocks: [{ rows: ['2026-11', '2026-12'], hidden: p.hiddenMonths }], counts: { '2026-11': p.months[0]!, '2026-12': p.months[1]! } },
    total: p.counts.reduce((s, v) => s + v, 0),
  });
  // Another truth that every order's export hides the same way: one use moved between two of its masked cells.
  const perturbed = <P extends { counts: number[]; hidden: string[]; move: [number, number] }>(p: P): P => {
    const [from, to] = [keys[p.move[0]]!, keys[p.move[1]]!];
    const counts = [...p.counts];
    if (p.hidden.includes(from) && p.hidden.includes(to) && counts[p.move[0]]! > 0) {
      counts[p.move[0]]!--;
      counts[p.move[1]]!++;
    }
    return { ...p, counts };
  };
  const exportOf = (s: CumulativeSnapshot) => ({ total: s.total, cells: keys.map((k) => shownIn(s.tables.service, k)), months: ['2026-11', '2026-12'].map((m) => shownPeriod(s.periods, m)) });
  fc.assert(
    fc.property(fc.array(part, { minLength: 2, maxLength: 3 }), (parts) => {
      const truth = combineSnapshots(parts.map(snapshotOf), '2026-12');
      const other = combineSnapshots(parts.map((p) => snapshotOf(perturbed(p))), '2026-12');
      return JSON.stringify(exportOf(truth)) === JSON.stringify(exportOf(other));
    }),
    { numRuns: 500 },
  );
  t.pass('500 sets of orders: moving a use between masked cells of one order never changes the combination');
  const a = snapshotOf({ counts: [3, 10, 0, 0], hidden: ['a', 'b', 'c', 'd'], months: [13, 0], hiddenMonths: ['2026-12'] });
  const b = snapshotOf({ counts: [6, 20, 0, 0], hidden: ['c', 'd'], months: [26, 0], hiddenMonths: [] });
  const both = combineSnapshots([a, b], '2026-12');
  t.same(exportOf(both), { total: 39, cells: [null, null, null, null], months: [39, null] }, 'shown only where both orders show it; the sum where they do');
  t.equal(combineSnapshots([a], '2026-12'), a, 'one order: its own publication');
  t.match(combineSnapshots([], '2026-12'), { period: '2026-12', total: 0 }, 'no order: nothing used as of the settled month');
});
