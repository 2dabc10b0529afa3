/** Writes and lookups of a place's sites (place_sites) beyond the lists in places.repository.ts. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { places, placeSites } from '../../../db/schema/places.ts';
import type { SiteRow } from './places.repository.ts';

/** One site of one place: another place's site is not found. */
export function findSiteOfPlace(db: DbOrTx, placeId: string, siteId: string): SiteRow | undefined {
  return db.select().from(placeSites).where(and(eq(placeSites.id, siteId), eq(placeSites.placeId, placeId))).get();
}

export function updateSiteRow(tx: Tx, siteId: string, changes: Partial<SiteRow> & { updatedAt: string }): void {
  tx.update(placeSites).set(changes).where(eq(placeSites.id, siteId)).run();
}

/**
 * The active sites of labelled places, with their place's name; only those whose INSEE code starts
 * with one of `codePrefixes` when given (a cheap pre-filter: the caller checks the territory exactly).
 */
export function activeLabelledSites(db: DbOrTx, codePrefixes: string[] | null): { site: SiteRow; placeName: string }[] {
  return db
    .select({ site: placeSites, placeName: organisations.name })
    .from(placeSites)
    .innerJoin(places, eq(places.organisationId, placeSites.placeId))
    .innerJoin(organisations, eq(organisations.id, placeSites.placeId))
    .where(
      and(
        eq(places.status, 'labelled'),
        eq(placeSites.active, true),
        codePrefixes ? inArray(sql`substr(${placeSites.communeCode}, 1, 2)`, codePrefixes) : undefined,
      ),
    )
    .all();
}
