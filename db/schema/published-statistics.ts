import { sql } from 'drizzle-orm';
import { check, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { PublishedPeriod } from '../../server/shared/publication-history.ts';

export const PUBLISHED_SERIES = ['distributed', 'used'] as const;
export type PublishedSeries = (typeof PUBLISHED_SERIES)[number];

/**
 * The public statistics' history (issue 18): each masked series (passes distributed, passes used)
 * of each closed month as first published, département by département. Append-only: every later
 * export gives the same publication back, so differencing two exports reveals nothing more.
 */
export const publishedStatistics = sqliteTable(
  'published_statistics',
  {
    series: text('series', { enum: PUBLISHED_SERIES }).notNull(),
    period: text('period').notNull(),
    publishedAt: text('published_at').notNull(),
    publication: text('publication', { mode: 'json' }).$type<PublishedPeriod>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.series, t.period] }), check('published_statistics_series', sql`series IN ('distributed', 'used')`)],
);
