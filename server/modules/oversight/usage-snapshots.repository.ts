import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { usageSnapshots, type StoredUsageSnapshot } from '../../../db/schema/usage-snapshots.ts';

/** Every snapshot published for these scopes (one buyer's dashboards), oldest month first. */
export function usageSnapshotsOf(db: DbOrTx, scopes: readonly string[]): { scope: string; period: string; snapshot: StoredUsageSnapshot }[] {
  if (scopes.length === 0) return [];
  return db
    .select({ scope: usageSnapshots.scope, period: usageSnapshots.period, snapshot: usageSnapshots.snapshot })
    .from(usageSnapshots)
    .where(inArray(usageSnapshots.scope, [...scopes]))
    .orderBy(asc(usageSnapshots.period), asc(usageSnapshots.scope))
    .all();
}

/** Stores a new snapshot; one already there for that month is kept (it is what readers saw). */
export function storeUsageSnapshot(db: DbOrTx, scope: string, stored: StoredUsageSnapshot): void {
  db.insert(usageSnapshots).values({ scope, period: stored.snapshot.period, publishedAt: stored.snapshot.publishedAt, snapshot: stored }).onConflictDoNothing().run();
}

/** The scope under which a month the audit refused is noted, so that it is not audited again at every request. */
const refusedScope = (scope: string) => `refused:${scope}`;

export function noteRefusedMonth(db: DbOrTx, scope: string, period: string, publishedAt: string): void {
  const marker: StoredUsageSnapshot = { snapshot: { period, publishedAt, tables: {}, total: 0 }, distributed: 0, usedCents: 0 };
  db.insert(usageSnapshots).values({ scope: refusedScope(scope), period, publishedAt, snapshot: marker }).onConflictDoNothing().run();
}

export function monthRefused(db: DbOrTx, scope: string, period: string): boolean {
  return db.select({ period: usageSnapshots.period }).from(usageSnapshots).where(and(eq(usageSnapshots.scope, refusedScope(scope)), eq(usageSnapshots.period, period))).get() !== undefined;
}
