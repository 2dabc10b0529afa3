import { primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { CumulativeSnapshot } from '../../server/shared/cumulative-publication.ts';

/** A usage snapshot as stored: the masked tables, and the figures of the snapshot that are shown exactly. */
export interface StoredUsageSnapshot {
  snapshot: CumulativeSnapshot;
  distributed: number;
  usedCents: number;
}

/**
 * The buyers' usage dashboards as published (issue 18): one row per scope (`order:<id>` or
 * `buyer:<id>`) and settled month, holding the true counts and which of them are hidden. Append-only:
 * the next snapshot's masking starts from the last one (server/shared/cumulative-publication.ts), so
 * rewriting one would let two exports be differenced.
 */
export const usageSnapshots = sqliteTable(
  'usage_snapshots',
  {
    scope: text('scope').notNull(),
    period: text('period').notNull(),
    publishedAt: text('published_at').notNull(),
    snapshot: text('snapshot', { mode: 'json' }).$type<StoredUsageSnapshot>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.period] })],
);
