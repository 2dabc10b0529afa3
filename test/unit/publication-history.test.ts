import t from 'tap';
import fc from 'fast-check';
import { publishFromHistory, publishPeriod, type PeriodTable, type PublishedPeriod } from '../../server/shared/publication-history.ts';

/*
 * Two exports a day apart (issue 18). A reader holds yesterday's and today's export, knows the
 * masking rule, each period's exact total, and how many events (uses, cancellations, late entries)
 * happened in between — a bound on how far each period's counts moved. A masked cell leaks when every
 * pair of tables (yesterday's, today's) consistent with both exports gives it the same value.
 */

const table = (period: string, counts: readonly number[]): PeriodTable => ({ period, cells: counts.map((count, i) => ({ key: String(i), count })) });
const shownOf = (p: PublishedPeriod, size: number) => Array.from({ length: size }, (_, i) => p.cells[String(i)]?.count ?? null);

function* compositions(sum: number, parts: number): Generator<number[]> {
  if (parts === 0) {
    if (sum === 0) yield [];
    return;
  }
  for (let first = 0; first <= sum; first++) for (const rest of compositions(sum - first, parts - 1)) yield [first, ...rest];
}

/** Every table the rule would publish exactly as `p` (same shown cells, same total). */
function candidates(p: PublishedPeriod, size: number): number[][] {
  const shown = shownOf(p, size);
  const hiddenAt = shown.flatMap((v, i) => (v === null ? [i] : []));
  const rest = p.total - shown.reduce<number>((s, v) => s + (v ?? 0), 0);
  const found: number[][] = [];
  for (const values of compositions(rest, hiddenAt.length)) {
    const candidate = shown.map((v) => v ?? 0);
    hiddenAt.forEach((at, j) => (candidate[at] = values[j]!));
    const again = shownOf(publishPeriod(table(p.period, candidate), p.publishedAt), size);
    if (again.every((v, i) => v === shown[i])) found.push(candidate);
  }
  return found;
}

const distance = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0);

/**
 * Masked cells of either export whose value the reader pins. An export that gives a period from
 * the history is a publication of yesterday's table (the same one); otherwise it is a publication of
 * today's, which differs from yesterday's by at most `events` units in all.
 */
function leaks(yesterday: PublishedPeriod | undefined, today: PublishedPeriod, size: number, events: number): string[] {
  const sameSource = yesterday !== undefined && today.publishedAt === yesterday.publishedAt;
  const todays = candidates(today, size);
  const pairs: [number[] | null, number[]][] = [];
  if (!yesterday) for (const y of todays) pairs.push([null, y]);
  else
    for (const x of candidates(yesterday, size))
      for (const y of todays) if (sameSource ? distance(x, y) === 0 : distance(x, y) <= events) pairs.push([x, y]);
  const found: string[] = [];
  for (let i = 0; i < size; i++) {
    if (yesterday && shownOf(yesterday, size)[i] === null && new Set(pairs.map(([x]) => x![i])).size < 2) found.push(`yesterday ${today.period}[${i}]`);
    if (shownOf(today, size)[i] === null && new Set(pairs.map(([, y]) => y[i])).size < 2) found.push(`today ${today.period}[${i}]`);
  }
  return found;
}

/** Publishing from scratch every day: the rule of small-cells.ts alone, with no history. */
const fromScratch = (tables: readonly PeriodTable[], day: string) => publishFromHistory(tables, new Map(), day).periods;

function withHistory(history: Map<string, PublishedPeriod>) {
  return (tables: readonly PeriodTable[], day: string) => {
    const { periods, fresh } = publishFromHistory(tables, history, day);
    for (const p of fresh) history.set(p.period, p);
    return periods;
  };
}

type Publish = (tables: readonly PeriodTable[], day: string) => PublishedPeriod[];

/** Every leak between yesterday's export and today's of the same data, moved by `changes`. */
function leaksAcrossDays(publish: Publish, closed: number[][], changes: { period: number; cell: number; by: number }[], newlyClosed: number[] | null): string[] {
  const size = closed[0]!.length;
  const day1 = closed.map((counts, p) => table(`2026-0${p + 1}`, counts));
  const moved = closed.map((counts) => [...counts]);
  for (const c of changes) moved[c.period]![c.cell] = Math.max(0, moved[c.period]![c.cell]! + c.by);
  const day2 = moved.map((counts, p) => table(`2026-0${p + 1}`, counts));
  if (newlyClosed) day2.push(table(`2026-0${closed.length + 1}`, newlyClosed));
  const first = publish(day1, '2026-06-01T07:00:00.000Z');
  const second = publish(day2, '2026-06-02T07:00:00.000Z');
  const events = changes.length;
  return second.flatMap((today) => leaks(first.find((p) => p.period === today.period), today, size, events));
}

const cells = (size: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: size, maxLength: size });
const scenario = fc.integer({ min: 2, max: 4 }).chain((size) =>
  fc.record({
    closed: fc.array(cells(size), { minLength: 1, maxLength: 2 }),
    changes: fc.array(fc.record({ period: fc.integer({ min: 0, max: 1 }), cell: fc.integer({ min: 0, max: size - 1 }), by: fc.constantFrom(-1, 1) }), { minLength: 0, maxLength: 3 }),
    newlyClosed: fc.option(cells(size), { nil: null }),
  }),
);
const fit = (s: { closed: number[][]; changes: { period: number; cell: number; by: number }[] }) => s.changes.filter((c) => c.period < s.closed.length);

t.test('the reader model catches what publishing from scratch gives away', async (t) => {
  t.same(
    leaksAcrossDays(fromScratch, [[0, 3, 3, 6]], [{ period: 0, cell: 1, by: 1 }, { period: 0, cell: 1, by: 1 }, { period: 0, cell: 2, by: 1 }, { period: 0, cell: 2, by: 1 }], null),
    ['yesterday 2026-01[0]', 'today 2026-01[0]', 'today 2026-01[3]'],
    '[0, 3, 3, 6] then [0, 5, 5, 6] after four late entries: the 0 is pinned on both days, and the 6 hidden today',
  );
  const found = fc.check(
    fc.property(scenario, (s) => leaksAcrossDays(fromScratch, s.closed, fit(s), s.newlyClosed).length === 0),
    { numRuns: 400, seed: 18 },
  );
  t.ok(found.failed, `publishing from scratch leaks across two days: ${JSON.stringify(found.counterexample)}`);
});

t.test('publishing from the history: no masked cell of either export follows from the other one and the totals', async (t) => {
  fc.assert(
    fc.property(scenario, (s) => {
      const found = leaksAcrossDays(withHistory(new Map()), s.closed, fit(s), s.newlyClosed);
      return found.length === 0;
    }),
    { numRuns: 400 },
  );
  t.pass('400 random pairs of consecutive days');
});

t.test('a period published once is given back as it was, whatever its counts became', async (t) => {
  const history = new Map<string, PublishedPeriod>();
  const publish = withHistory(history);
  const [first] = publish([table('2026-01', [3, 9, 9])], '2026-02-01T07:00:00.000Z');
  const [second] = publish([table('2026-01', [2, 9, 9])], '2026-02-02T07:00:00.000Z');
  t.equal(second, first, 'the same publication');
  t.equal(second!.total, 21, 'its total too: a total down by 1 with 9 and 9 shown would give the hidden cell away');
  const [withNewRow] = publish([{ period: '2026-01', cells: [...table('2026-01', [2, 9, 9]).cells, { key: 'new', count: 7 }] }], '2026-02-03T07:00:00.000Z');
  t.equal(withNewRow!.cells['new'] ?? null, null, 'a row added after publication is masked in that period');
});
