/** The public directory's rows: labelled places' active sites, with only what the public may know. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { places, placeSites } from '../../../db/schema/places.ts';

/** What the public may know of a site: no bank detail, no internal status, no applicant contact. */
export interface PublicSiteRow {
  id: string;
  placeId: string;
  placeName: string;
  name: string;
  address: string;
  postalCode: string | null;
  communeCode: string;
  openingHours: string | null;
  services: string[];
  free: boolean;
  latitude: number | null;
  longitude: number | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  accessibility: string[];
  accessibilityUrl: string | null;
  pivot: string | null;
  siret: string | null;
  externalId: string | null;
  updatedAt: string;
}

const publicColumns = {
  id: placeSites.id,
  placeId: placeSites.placeId,
  placeName: organisations.name,
  name: placeSites.name,
  address: placeSites.address,
  postalCode: placeSites.postalCode,
  communeCode: placeSites.communeCode,
  openingHours: placeSites.openingHours,
  services: placeSites.services,
  free: placeSites.free,
  latitude: placeSites.latitude,
  longitude: placeSites.longitude,
  phone: placeSites.phone,
  email: placeSites.email,
  website: placeSites.website,
  accessibility: placeSites.accessibility,
  accessibilityUrl: placeSites.accessibilityUrl,
  pivot: places.pivot,
  siret: organisations.siret,
  externalId: placeSites.externalId,
  updatedAt: placeSites.updatedAt,
};

/** Only labelled places (a suspended or rejected one is not), only their active sites, only open organisations. */
const published = () => and(eq(places.status, 'labelled'), eq(placeSites.active, true), eq(organisations.status, 'active'));

/**
 * Active sites of labelled places, optionally only those whose commune code starts with one of
 * `departementPrefixes` (the first two characters of an INSEE code): a cheap pre-filter.
 */
export function publishedSites(db: DbOrTx, filter: { departementPrefixes?: string[] } = {}): PublicSiteRow[] {
  const prefixes = filter.departementPrefixes;
  return db
    .select(publicColumns)
    .from(placeSites)
    .innerJoin(places, eq(places.organisationId, placeSites.placeId))
    .innerJoin(organisations, eq(organisations.id, placeSites.placeId))
    .where(and(published(), prefixes ? inArray(sql`substr(${placeSites.communeCode}, 1, 2)`, prefixes) : undefined))
    .orderBy(placeSites.id)
    .all();
}

export function publishedSite(db: DbOrTx, siteId: string): PublicSiteRow | undefined {
  return db
    .select(publicColumns)
    .from(placeSites)
    .innerJoin(places, eq(places.organisationId, placeSites.placeId))
    .innerJoin(organisations, eq(organisations.id, placeSites.placeId))
    .where(and(published(), eq(placeSites.id, siteId)))
    .get();
}
