import type { DbOrTx } from '../../../db/client.ts';
import type { StoredUsageSnapshot } from '../../../db/schema/usage-snapshots.ts';
import { takeSnapshot } from '../../shared/cumulative-publication.ts';
import { addDays, addMonths, parisDate } from '../../shared/paris-time.ts';
import { CANCELLATION_WINDOW_MS } from '../redemption/redemption.service.ts';
import { MASKED_TABLES, type UsageFacts } from './usage.facts.ts';
import { lastUsageSnapshot, storeUsageSnapshot } from './usage-snapshots.repository.ts';

/**
 * The last month whose figures can no longer change: closed, and past the redemption cancellation
 * window (a use on the last evening of a month may be taken back the next day). From the 2nd of a
 * month (Paris) that is the previous month, before it the one before. A snapshot counts only such
 * months, so its cells only grow from one snapshot to the next — what the masking rule relies on.
 */
export function settledMonth(now: Date): string {
  const today = parisDate(now);
  const first = `${today.slice(0, 8)}01`;
  const settledOn = addDays(first, Math.ceil(CANCELLATION_WINDOW_MS / 86_400_000));
  return addMonths(first, today >= settledOn ? -1 : -2).slice(0, 7);
}

/**
 * The published usage of a scope (`order:<id>`, `buyer:<id>`) as of `month`: the stored snapshot if
 * it is that recent, else a new one taken from `facts` (the counts as of the end of `month`) and
 * stored before anybody sees it. A new one may be refused by the rule (the total moved by 1 to 4):
 * the last one stays. Call inside a transaction.
 */
export function publishedUsage(db: DbOrTx, scope: string, month: string, now: Date, facts: () => UsageFacts): StoredUsageSnapshot {
  const last = lastUsageSnapshot(db, scope);
  if (last && last.snapshot.period >= month) return last;
  const f = facts();
  const tables = Object.fromEntries(MASKED_TABLES.map((name) => [name, f.tables[name].counts]));
  const snapshot = takeSnapshot({ period: month, publishedAt: now.toISOString(), tables, periods: f.months.counts, total: f.used }, last?.snapshot);
  if (last && snapshot === last.snapshot) return last;
  const stored: StoredUsageSnapshot = { snapshot, distributed: f.distributed, usedCents: f.usedCents };
  storeUsageSnapshot(db, scope, stored);
  return stored;
}
