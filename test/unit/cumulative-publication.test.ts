import t from 'tap';
import fc from 'fast-check';
import { leakedCells, publishMonth, type CellChange, type CountsByKey, type MonthFigures, type Publication } from '../../server/shared/cumulative-publication.ts';
import { bruteForceLeaks } from './cumulative-reader.ts';

/*
 * The buyer's usage dashboards under audit before publication (issue 18). Every publication is
 * checked by a brute-force reader (./cumulative-reader.ts) that shares no code with the auditor: it
 * enumerates every integer table consistent with everything published and looks for a masked cell
 * with a single possible value. The leak cases are what the previous rule (masking starting from the
 * previous snapshot, each dashboard on its own, counts assumed to grow, two exports at a time)
 * published, written out as it published them; the new rule publishes them safely.
 */

type Tables = Record<string, CountsByKey>;
const changeOf = (table: string, key: string): CellChange => (table === 'month' ? 'fixed' : table === 'sleeping' || key === 'not_used' ? 'free' : 'grows');
const tableNames = (pubs: readonly Publication[]) => [...new Set(pubs.flatMap((p) => Object.values(p.scopes).flatMap((s) => Object.keys(s.tables))))];
const readerLeaks = (pubs: readonly Publication[]) => tableNames(pubs).flatMap((name) => bruteForceLeaks(pubs, name, (key) => changeOf(name, key)).map((l) => `${name} ${l}`));

/** Figures of one month for a buyer: per-order tables and the all-orders sum. */
function monthOf(period: string, orders: Tables[]): MonthFigures {
  const scopes: MonthFigures['scopes'] = {};
  orders.forEach((tables, o) => (scopes[`order:${o}`] = { tables, total: Object.values(tables.service ?? {}).reduce((a, b) => a + b, 0) }));
  const sumTables: Tables = {};
  for (const name of Object.keys(orders[0]!)) {
    const keys = [...new Set(orders.flatMap((o) => Object.keys(o[name] ?? {})))];
    sumTables[name] = Object.fromEntries(keys.map((k) => [k, orders.reduce((a, o) => a + (o[name]?.[k] ?? 0), 0)]));
  }
  scopes.buyer = { tables: sumTables, total: Object.values(sumTables.service ?? {}).reduce((a, b) => a + b, 0) };
  return { period, publishedAt: `${period}-02`, scopes, sumScope: 'buyer' };
}

/** Publishes month after month as the service does: a refused month keeps the previous publication. */
function publishAll(months: MonthFigures[]): { published: Publication[]; refused: number } {
  const published: Publication[] = [];
  let refused = 0;
  for (const m of months) {
    const p = publishMonth(m, published, { changeOf });
    if (p) published.push(p);
    else refused++;
  }
  return { published, refused };
}

/** A publication written out as the previous rule made it: each dashboard's hidden keys. */
function asPublished(period: string, figures: MonthFigures, hidden: Record<string, Record<string, string[]>>): Publication {
  return {
    period,
    sumScope: figures.sumScope,
    scopes: Object.fromEntries(
      Object.entries(figures.scopes).map(([scope, s]) => [
        scope,
        { period, publishedAt: period, total: s.total, tables: Object.fromEntries(Object.entries(s.tables).map(([name, counts]) => [name, { counts: { ...counts }, hidden: hidden[scope]?.[name] ?? [] }])) },
      ]),
    ),
  };
}

t.test('the counterexample fast-check found against the previous rule is published safely', async (t) => {
  // 10 uses at one place in one month (services 5, 4, 1 of 3), then 3 uses of service 1 two months later, over 2 places.
  const first = monthOf('2027-01', [{ service: { s0: 5, s1: 4, s2: 1 }, place: { p0: 10, p1: 0 }, month: { '2027-01': 10 } }]);
  const third = monthOf('2027-03', [{ service: { s0: 5, s1: 7, s2: 1 }, place: { p0: 13, p1: 0 }, month: { '2027-01': 10, '2027-02': 0, '2027-03': 3 } }]);
  const { published } = publishAll([first, third]);
  t.ok(published.length >= 1, 'January is published');
  t.same(readerLeaks(published), [], 'no masked cell has a single possible value');
  t.same(leakedCells(published, changeOf), [], 'the auditor agrees');
});

t.test('cross-order sums: the previous rule masked each dashboard alone, and a per-order cell followed from the others and the total', async (t) => {
  const figures = monthOf('2027-01', [{ service: { a: 5, b: 1, c: 3 } }, { service: { a: 0, b: 6, c: 5 } }]);
  const previousRule = asPublished('2027-01', figures, { 'order:0': { service: ['a', 'b', 'c'] }, 'order:1': { service: ['a', 'b'] }, buyer: { service: [] } });
  t.same(readerLeaks([previousRule]), ['service 0/order:0/c'], 'order 0 service c = 8 − 5 = 3');
  const { published } = publishAll([figures]);
  t.equal(published.length, 1);
  t.same(readerLeaks(published), [], 'audited: nothing pinned');
  t.ok(published[0]!.scopes.buyer!.tables.service!.hidden.length > 0, 'the all-orders dashboard hides cells too');
});

t.test('counts that go down: the previous rule assumed they grow, and its second export pinned the first one', async (t) => {
  // "c" is a count that may go down (booklets not used yet); a and b only grow.
  const jan = monthOf('2027-01', [{ firstUse: { a: 6, b: 0, not_used: 8 } }]);
  const feb = monthOf('2027-02', [{ firstUse: { a: 6, b: 0, not_used: 0 } }]);
  const previousRule = [
    asPublished('2027-01', jan, { 'order:0': { firstUse: ['b', 'not_used'] }, buyer: { firstUse: ['b', 'not_used'] } }),
    asPublished('2027-02', feb, { 'order:0': { firstUse: ['a', 'b', 'not_used'] }, buyer: { firstUse: ['a', 'b', 'not_used'] } }),
  ];
  t.ok(readerLeaks(previousRule).includes('firstUse 0/order:0/not_used'), 'January’s not-used count is pinned: 8');
  const { published, refused } = publishAll([jan, feb]);
  t.same(readerLeaks(published), [], 'audited: nothing pinned');
  t.equal(refused, 1, 'February cannot be masked safely (a shown 6 stays shown): it is not published, January stays');
});

t.test('three exports: each pair of the previous rule’s exports was safe, the three together pinned a cell', async (t) => {
  const months = [
    monthOf('2027-01', [{ service: { a: 3, b: 4, c: 6 } }]),
    monthOf('2027-02', [{ service: { a: 4, b: 4, c: 6 } }]),
    monthOf('2027-03', [{ service: { a: 10, b: 4, c: 6 } }]),
  ];
  const hidden = [['a', 'b'], ['a', 'b', 'c'], ['a', 'b']].map((h) => ({ 'order:0': { service: h }, buyer: { service: h } }));
  const previousRule = months.map((m, i) => asPublished(m.period, m, hidden[i]!));
  for (const [x, y] of [[0, 1], [1, 2], [0, 2]] as const) t.same(readerLeaks([previousRule[x]!, previousRule[y]!]), [], `exports ${x + 1} and ${y + 1} alone: nothing pinned`);
  t.ok(readerLeaks(previousRule).includes('service 1/order:0/c'), 'all three: February’s c is between 6 and 6');
  // The auditor reads every publication at once, not pairs: it finds the same cell.
  t.ok(leakedCells(previousRule, changeOf).some((id) => id === JSON.stringify([1, 'order:0', 'service', 'c'])), 'the auditor pins it from the three');
  for (const [x, y] of [[0, 1], [1, 2]] as const) t.same(leakedCells([previousRule[x]!, previousRule[y]!], changeOf), [], `and not from exports ${x + 1} and ${y + 1}`);
  const { published } = publishAll(months);
  t.same(readerLeaks(published), [], 'audited: nothing pinned');
});

/** Random activity: 1 to 3 orders, 2 to 4 months, uses over 2–3 services, a count that goes up and down. */
const activity = fc.record({
  orders: fc.integer({ min: 1, max: 3 }),
  services: fc.integer({ min: 2, max: 3 }),
  months: fc.array(
    fc.record({
      uses: fc.array(fc.array(fc.nat(2), { maxLength: 4 }), { minLength: 3, maxLength: 3 }),
      sleeping: fc.array(fc.tuple(fc.nat(6), fc.nat(6)), { minLength: 3, maxLength: 3 }),
    }),
    { minLength: 2, maxLength: 4 },
  ),
});

type Activity = typeof activity extends fc.Arbitrary<infer A> ? A : never;

function figuresOf(a: Activity): MonthFigures[] {
  const service = Array.from({ length: a.orders }, () => Array.from({ length: a.services }, () => 0));
  const perMonth = Array.from({ length: a.orders }, () => [] as number[]);
  return a.months.map((m, i) => {
    const period = `2027-${String(i + 1).padStart(2, '0')}`;
    const orders = service.map((counts, o) => {
      for (const s of m.uses[o]!) counts[s % a.services]!++;
      perMonth[o]!.push(m.uses[o]!.length);
      return {
        service: Object.fromEntries(counts.map((v, k) => [`s${k}`, v])),
        month: Object.fromEntries(perMonth[o]!.map((v, k) => [`2027-${String(k + 1).padStart(2, '0')}`, v])),
        sleeping: { p0: m.sleeping[o]![0], p1: m.sleeping[o]![1] },
      };
    });
    return monthOf(period, orders);
  });
}

t.test('property: whatever the activity, no masked cell of any publication has a single possible value', async (t) => {
  let published = 0;
  let refused = 0;
  fc.assert(
    fc.property(activity, (a) => {
      const run = publishAll(figuresOf(a));
      published += run.published.length;
      refused += run.refused;
      const found = readerLeaks(run.published);
      if (found.length > 0) throw new Error(`pinned: ${found.join(', ')}`);
    }),
    { numRuns: 60, seed: 18 },
  );
  t.ok(published > refused, `${published} months published, ${refused} refused`);
});
