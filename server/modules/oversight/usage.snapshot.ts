import type { DbOrTx } from '../../../db/client.ts';
import type { StoredUsageSnapshot } from '../../../db/schema/usage-snapshots.ts';
import { publishMonth, type ChangeOf, type CumulativeSnapshot, type Publication, type SnapshotTable } from '../../shared/cumulative-publication.ts';
import { addDays, addMonths, parisDate } from '../../shared/paris-time.ts';
import { CANCELLATION_WINDOW_MS } from '../redemption/redemption.service.ts';
import { MASKED_TABLES, type UsageFacts } from './usage.facts.ts';
import { monthRefused, noteRefusedMonth, storeUsageSnapshot, usageSnapshotsOf } from './usage-snapshots.repository.ts';

/**
 * The last month whose figures can no longer change: closed, and past the redemption cancellation
 * window (a use on the last evening of a month may be taken back the next day). From the 2nd of a
 * month (Paris) that is the previous month, before it the one before. A snapshot counts only such
 * months, so a settled month's count never changes and cumulative counts never decrease — what the
 * audit relies on (`usageChangeOf`).
 */
export function settledMonth(now: Date): string {
  const today = parisDate(now);
  const first = `${today.slice(0, 8)}01`;
  const settledOn = addDays(first, Math.ceil(CANCELLATION_WINDOW_MS / 86_400_000));
  return addMonths(first, today >= settledOn ? -1 : -2).slice(0, 7);
}

/**
 * How each published count may move between two months: a settled month never changes; booklets
 * distributed but never started, and the "not used yet" band, go down as booklets get used; every
 * other count is cumulative over settled months.
 */
export const usageChangeOf: ChangeOf = (table, key) => {
  if (table === 'month') return 'fixed';
  if (table === 'prescriberSleeping' || (table === 'firstUse' && key === 'not_used')) return 'free';
  return 'grows';
};

/** A snapshot stored before the audit (migration 0018) kept its months in blocks: read them as the `month` table. */
function asCurrent(snapshot: CumulativeSnapshot & { periods?: { counts: Record<string, number>; blocks: { hidden: string[] }[] } }): CumulativeSnapshot {
  if (!snapshot.periods || snapshot.tables.month) return snapshot;
  const month: SnapshotTable = { counts: { ...snapshot.periods.counts }, hidden: snapshot.periods.blocks.flatMap((b) => b.hidden) };
  return { period: snapshot.period, publishedAt: snapshot.publishedAt, total: snapshot.total, tables: { ...snapshot.tables, month } };
}

export interface BuyerScopes {
  /** `buyer:<id>`: the all-orders dashboard, the sum of the others. */
  buyerScope: string;
  /** `order:<id>` for each of the buyer's orders that has passes. */
  orderScopes: string[];
}

/**
 * Every dashboard of a buyer as published for `month` or before, the latest per scope: the stored
 * publications when `month` is already published, else a new publication of all of them together
 * (`facts(scope)`: the counts as of the end of `month`), audited against everything published
 * before and stored before anybody sees it. When the audit refuses the month, the last publication
 * stays. Call inside a transaction. The audit runs here, at the first request of a settled month;
 * its cost is measured by scripts/measure-usage-masking.ts.
 */
export function publishedUsage(db: DbOrTx, scopes: BuyerScopes, month: string, now: Date, facts: (scope: string) => UsageFacts): Map<string, StoredUsageSnapshot> {
  const all = [scopes.buyerScope, ...scopes.orderScopes];
  const rows = usageSnapshotsOf(db, all);
  const latest = () => {
    const byScope = new Map<string, StoredUsageSnapshot>();
    for (const r of rows) byScope.set(r.scope, { ...r.snapshot, snapshot: asCurrent(r.snapshot.snapshot) });
    return byScope;
  };
  const last = rows.at(-1)?.period;
  // A month is audited once: published, or refused (noted, the last publication stays).
  if ((last !== undefined && last >= month) || monthRefused(db, scopes.buyerScope, month)) return latest();
  const periods = [...new Set(rows.map((r) => r.period))];
  const history: Publication[] = periods.map((period) => ({
    period,
    sumScope: scopes.buyerScope,
    scopes: Object.fromEntries(rows.filter((r) => r.period === period).map((r) => [r.scope, asCurrent(r.snapshot.snapshot)])),
  }));
  const figures = new Map(all.map((scope) => [scope, facts(scope)]));
  const publication = publishMonth(
    {
      period: month,
      publishedAt: now.toISOString(),
      sumScope: scopes.buyerScope,
      scopes: Object.fromEntries(
        [...figures].map(([scope, f]) => [scope, { total: f.used, tables: { ...Object.fromEntries(MASKED_TABLES.map((name) => [name, f.tables[name].counts])), month: f.months.counts } }]),
      ),
    },
    history,
    { changeOf: usageChangeOf },
  );
  if (!publication) {
    noteRefusedMonth(db, scopes.buyerScope, month, now.toISOString());
    return latest();
  }
  for (const [scope, snapshot] of Object.entries(publication.scopes)) {
    const f = figures.get(scope)!;
    const stored: StoredUsageSnapshot = { snapshot, distributed: f.distributed, usedCents: f.usedCents };
    storeUsageSnapshot(db, scope, stored);
    rows.push({ scope, period: month, snapshot: stored });
  }
  return latest();
}
