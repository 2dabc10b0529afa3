/**
 * Over-masking of the usage dashboard's rule (issue 18), on a random model: an order used over 12
 * months, uses spread unevenly over services and places. For each month's snapshot: the share of
 * cells of at least 5 that are masked, under the snapshot rule (server/shared/cumulative-publication.ts)
 * and under masking each export afresh (small-cells.ts alone, which leaks across exports).
 * Usage: npx tsx scripts/measure-usage-masking.ts [orders=200] [seed=18] [firstAt=0]
 * firstAt: no publication before the order has that many uses (the months before count as masked).
 */
import { takeSnapshot, type CumulativeSnapshot } from '../server/shared/cumulative-publication.ts';
import { hiddenCells } from '../server/shared/small-cells.ts';

const orders = Number(process.argv[2] ?? 200);
let state = Number(process.argv[3] ?? 18);
const firstAt = Number(process.argv[4] ?? 0);
const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = (weights: number[]) => {
  let r = random() * weights.reduce((s, w) => s + w, 0);
  return weights.findIndex((w) => (r -= w) < 0);
};
const zipf = (n: number) => Array.from({ length: n }, (_, i) => 1 / (i + 1));

const tally = { history: { masked: 0, large: 0 }, afresh: { masked: 0, large: 0 }, held: 0, months: 0 };
for (let o = 0; o < orders; o++) {
  const perMonth = 2 + Math.floor(random() * 40); // mean uses a month: from a small order to a large one
  const counts = { service: Array(10).fill(0) as number[], place: Array(6).fill(0) as number[] };
  let previous: CumulativeSnapshot | undefined;
  let total = 0;
  const months: Record<string, number> = {};
  for (let m = 1; m <= 12; m++) {
    const period = `2027-${String(m).padStart(2, '0')}`;
    const uses = Math.max(0, Math.round(perMonth * (0.5 + random())));
    for (let u = 0; u < uses; u++) {
      counts.service[pick(zipf(10))]!++;
      counts.place[pick(zipf(6))]!++;
    }
    total += uses;
    months[period] = uses;
    const tables = Object.fromEntries(Object.entries(counts).map(([name, values]) => [name, Object.fromEntries(values.map((v, i) => [`k${i}`, v]))]));
    const unpublished = !previous && total < firstAt;
    const snapshot = unpublished ? undefined : takeSnapshot({ period, publishedAt: period, tables, periods: { ...months }, total }, previous);
    tally.months++;
    if (snapshot && snapshot === previous) tally.held++;
    for (const [name, values] of Object.entries(counts)) {
      const hiddenNow = new Set(snapshot ? snapshot.tables[name]!.hidden : values.map((_, i) => `k${i}`));
      const afresh = hiddenCells(values);
      values.forEach((v, i) => {
        const published = snapshot ? snapshot.tables[name]!.counts[`k${i}`]! : v;
        if (published >= 5) {
          tally.history.large++;
          if (hiddenNow.has(`k${i}`)) tally.history.masked++;
        }
        if (v >= 5) {
          tally.afresh.large++;
          if (afresh.has(i)) tally.afresh.masked++;
        }
      });
    }
    previous = snapshot;
  }
}
const share = (t: { masked: number; large: number }) => `${((100 * t.masked) / t.large).toFixed(1)} %`;
console.log(`${orders} orders × 12 months; cells of at least 5 that are masked:`);
console.log(`  snapshot rule:   ${share(tally.history)} (${tally.history.masked} of ${tally.history.large})`);
console.log(`  masked afresh:   ${share(tally.afresh)} (${tally.afresh.masked} of ${tally.afresh.large}) — leaks across exports`);
console.log(`  months whose snapshot was held back (total moved by 1 to 4): ${tally.held} of ${tally.months}`);
