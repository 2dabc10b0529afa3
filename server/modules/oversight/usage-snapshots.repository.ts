import { desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { usageSnapshots, type StoredUsageSnapshot } from '../../../db/schema/usage-snapshots.ts';

/** The last snapshot published for a scope of orders, if any. */
export function lastUsageSnapshot(db: DbOrTx, scope: string): StoredUsageSnapshot | undefined {
  return db.select({ snapshot: usageSnapshots.snapshot }).from(usageSnapshots).where(eq(usageSnapshots.scope, scope)).orderBy(desc(usageSnapshots.period)).limit(1).get()?.snapshot;
}

/** Stores a new snapshot; one already there for that month is kept (it is what readers saw). */
export function storeUsageSnapshot(db: DbOrTx, scope: string, stored: StoredUsageSnapshot): void {
  db.insert(usageSnapshots).values({ scope, period: stored.snapshot.period, publishedAt: stored.snapshot.publishedAt, snapshot: stored }).onConflictDoNothing().run();
}
