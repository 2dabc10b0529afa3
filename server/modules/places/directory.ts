/**
 * Ordering and filtering of the public directory, with no I/O: "nearest first" by distance where
 * both the visitor's position and the site's coordinates are known, otherwise by administrative
 * closeness to the visitor's commune (same commune, then EPCI, then département).
 */
import type { TerritoryRestriction, Territories, Commune } from '../territories/territories.ts';
import { normaliseName } from '../territories/territories.ts';
import type { PublicSiteRow } from './directory.repository.ts';

export interface Point {
  latitude: number;
  longitude: number;
}

export interface DirectoryFilters {
  service?: string;
  free?: boolean;
  accessibility?: string;
}

/** 0 same commune, 1 same EPCI, 2 same département, 3 elsewhere; 0 for all when no commune is known. */
export type Closeness = 0 | 1 | 2 | 3;

export interface RankedSite {
  site: PublicSiteRow;
  communeName: string;
  closeness: Closeness;
  distanceKm: number | null;
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance (haversine), in km. */
export function distanceKm(a: Point, b: Point): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function closenessTo(territories: Territories, near: Commune | undefined, communeCode: string): Closeness {
  if (!near) return 0;
  const commune = territories.commune(communeCode);
  if (!commune) return 3;
  if ((commune.parent ?? commune.code) === (near.parent ?? near.code)) return 0;
  if (commune.epci !== null && commune.epci === near.epci) return 1;
  if (commune.departement === near.departement) return 2;
  return 3;
}

function matchesFilters(site: PublicSiteRow, filters: DirectoryFilters): boolean {
  if (filters.service && !site.services.includes(filters.service)) return false;
  if (filters.free && !site.free) return false;
  if (filters.accessibility && !site.accessibility.includes(filters.accessibility)) return false;
  return true;
}

/** Whether a site's own or its place's name contains the words searched for (accents and case ignored). */
function nameMatches(site: PublicSiteRow, needle: string): boolean {
  return needle !== '' && (normaliseName(site.name).includes(needle) || normaliseName(site.placeName).includes(needle));
}

/**
 * The sites to show, nearest first. With `nearbyOnly`, only sites of the reference commune's
 * département (or whose name matches `nameQuery`) are kept, so that a search for "Rodez" lists the Aveyron.
 * Ties keep a stable order: commune name, then site name.
 */
export function rankSites(
  territories: Territories,
  sites: PublicSiteRow[],
  input: {
    near?: Commune;
    /** Keep only the near commune's département (and places named like the query). */
    nearbyOnly?: boolean;
    point?: Point;
    nameQuery?: string;
    territory?: TerritoryRestriction | null;
    filters?: DirectoryFilters;
  },
): RankedSite[] {
  const needle = input.nameQuery ? normaliseName(input.nameQuery) : '';
  const ranked: RankedSite[] = [];
  for (const site of sites) {
    if (input.territory !== undefined && !territories.isCommuneInTerritory(site.communeCode, input.territory)) continue;
    if (!matchesFilters(site, input.filters ?? {})) continue;
    const closeness = closenessTo(territories, input.near, site.communeCode);
    const named = nameMatches(site, needle);
    if (!named && ((needle !== '' && !input.near) || (input.nearbyOnly && closeness === 3))) continue;
    const distance =
      input.point && site.latitude !== null && site.longitude !== null
        ? distanceKm(input.point, { latitude: site.latitude, longitude: site.longitude })
        : null;
    ranked.push({ site, communeName: territories.commune(site.communeCode)?.name ?? site.communeCode, closeness: named && !input.near ? 0 : closeness, distanceKm: distance });
  }
  return ranked.sort(
    (a, b) =>
      a.closeness - b.closeness ||
      (a.distanceKm ?? Number.POSITIVE_INFINITY) - (b.distanceKm ?? Number.POSITIVE_INFINITY) ||
      a.communeName.localeCompare(b.communeName, 'fr') ||
      a.site.name.localeCompare(b.site.name, 'fr') ||
      (a.site.id < b.site.id ? -1 : 1),
  );
}
