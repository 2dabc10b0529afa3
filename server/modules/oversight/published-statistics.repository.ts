import type { DbOrTx } from '../../../db/client.ts';
import { publishedStatistics, type PublishedSeries } from '../../../db/schema/published-statistics.ts';
import type { PublishedPeriod } from '../../shared/publication-history.ts';
import { eq } from 'drizzle-orm';

/** The months of a series already published, by month. */
export function publishedSeries(db: DbOrTx, series: PublishedSeries): Map<string, PublishedPeriod> {
  const rows = db.select({ publication: publishedStatistics.publication }).from(publishedStatistics).where(eq(publishedStatistics.series, series)).all();
  return new Map(rows.map((r) => [r.publication.period, r.publication]));
}

/** Stores first publications; one already there is kept (the first one is what readers saw). */
export function storePublished(db: DbOrTx, series: PublishedSeries, periods: readonly PublishedPeriod[]): void {
  for (const p of periods) db.insert(publishedStatistics).values({ series, period: p.period, publishedAt: p.publishedAt, publication: p }).onConflictDoNothing().run();
}
