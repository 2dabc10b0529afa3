/**
 * Over-masking and cost of the usage dashboards' audited publication (issue 18), on a random model:
 * buyers of 1 to 3 orders used over `months` months, uses spread unevenly (Zipf) over services and
 * places. Every month, all of a buyer's dashboards (each order, all orders) are published together
 * (server/shared/cumulative-publication.ts). Reported: the share of cells of at least 5 that are
 * masked, under the audited rule and under masking each export afresh (small-cells.ts alone, which
 * leaks across exports and orders); months refused by the audit; time spent auditing.
 * Usage: npx tsx scripts/measure-usage-masking.ts [buyers=60] [seed=18] [months=12] [orders=1-3] [places=6] [services=10]
 *   large case (PROGRESS=1 prints each month's audit time): npx tsx scripts/measure-usage-masking.ts 1 18 24 5 20 10
 */
import { publishMonth, type MonthFigures, type Publication } from '../server/shared/cumulative-publication.ts';
import { hiddenCells } from '../server/shared/small-cells.ts';
import { usageChangeOf } from '../server/modules/oversight/usage.snapshot.ts';

const [buyers = 60, seed = 18, monthCount = 12] = process.argv.slice(2, 5).map(Number);
const ordersArg = process.argv[5];
const [placeCount = 6, serviceCount = 10] = process.argv.slice(6, 8).map(Number);
let state = seed;
const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = (weights: number[]) => {
  let r = random() * weights.reduce((s, w) => s + w, 0);
  return weights.findIndex((w) => (r -= w) < 0);
};
const zipf = (n: number) => Array.from({ length: n }, (_, i) => 1 / (i + 1));
const keyed = (values: readonly number[], prefix: string) => Object.fromEntries(values.map((v, i) => [`${prefix}${i}`, v]));

const tally = { audited: { masked: 0, large: 0 }, afresh: { masked: 0, large: 0 }, refused: 0, months: 0, auditMs: 0, slowestMs: 0 };
for (let b = 0; b < buyers; b++) {
  const orderCount = ordersArg ? Number(ordersArg) : 1 + Math.floor(random() * 3);
  const orders = Array.from({ length: orderCount }, () => ({
    perMonth: 2 + Math.floor(random() * 40), // mean uses a month: from a small order to a large one
    start: Math.floor(random() * 3), // orders start over the first months
    service: Array(serviceCount).fill(0) as number[],
    place: Array(placeCount).fill(0) as number[],
    months: [] as number[],
  }));
  const history: Publication[] = [];
  for (let m = 0; m < monthCount; m++) {
    const period = `${2027 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
    for (const o of orders) {
      const uses = m < o.start ? 0 : Math.max(0, Math.round(o.perMonth * (0.5 + random())));
      for (let u = 0; u < uses; u++) {
        o.service[pick(zipf(serviceCount))]!++;
        o.place[pick(zipf(placeCount))]!++;
      }
      o.months.push(uses);
    }
    const tablesOf = (service: number[], place: number[], months: number[]) => ({ service: keyed(service, 's'), place: keyed(place, 'p'), month: keyed(months, 'm') });
    const sumOf = (pickOne: (o: (typeof orders)[number]) => number[]) => pickOne(orders[0]!).map((_, i) => orders.reduce((s, o) => s + pickOne(o)[i]!, 0));
    const scopes: MonthFigures['scopes'] = {};
    orders.forEach((o, i) => (scopes[`order:${i}`] = { tables: tablesOf(o.service, o.place, o.months), total: o.months.reduce((s, v) => s + v, 0) }));
    scopes.buyer = { tables: tablesOf(sumOf((o) => o.service), sumOf((o) => o.place), sumOf((o) => o.months)), total: orders.reduce((s, o) => s + o.months.reduce((a, v) => a + v, 0), 0) };
    const started = performance.now();
    const publication = publishMonth({ period, publishedAt: period, scopes, sumScope: 'buyer' }, history, { changeOf: usageChangeOf });
    const ms = performance.now() - started;
    tally.auditMs += ms;
    tally.slowestMs = Math.max(tally.slowestMs, ms);
    tally.months++;
    if (process.env.PROGRESS) console.log(`  ${period}: ${publication ? 'published' : 'refused'} in ${ms.toFixed(0)} ms`);
    if (!publication) {
      tally.refused++;
      continue;
    }
    history.push(publication);
    for (const snapshot of Object.values(publication.scopes)) {
      for (const table of Object.values(snapshot.tables)) {
        const keys = Object.keys(table.counts);
        const afresh = hiddenCells(keys.map((k) => table.counts[k]!));
        keys.forEach((k, i) => {
          if (table.counts[k]! < 5) return;
          tally.audited.large++;
          tally.afresh.large++;
          if (table.hidden.includes(k)) tally.audited.masked++;
          if (afresh.has(i)) tally.afresh.masked++;
        });
      }
    }
  }
}
const share = (t: { masked: number; large: number }) => `${((100 * t.masked) / Math.max(1, t.large)).toFixed(1)} %`;
console.log(`${buyers} buyers × ${monthCount} months (${placeCount} places, ${serviceCount} services); cells of at least 5 that are masked, over every published dashboard:`);
console.log(`  audited publication: ${share(tally.audited)} (${tally.audited.masked} of ${tally.audited.large})`);
console.log(`  masked afresh:       ${share(tally.afresh)} (${tally.afresh.masked} of ${tally.afresh.large}) — leaks across exports and orders`);
console.log(`  months refused by the audit (previous publication kept): ${tally.refused} of ${tally.months}`);
console.log(`  audit time: ${(tally.auditMs / 1000).toFixed(1)} s in all, ${(tally.auditMs / tally.months).toFixed(0)} ms a month on average, slowest month ${tally.slowestMs.toFixed(0)} ms`);
