import type { DbOrTx } from '../../../db/client.ts';
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';
import { getTerritories } from '../territories/territories.ts';
import { describeOpeningHours } from './opening-hours.ts';
import { activeLabelledSites } from './sites.repository.ts';

export interface UsableSite {
  placeName: string;
  siteName: string;
  address: string;
  postalCode: string | null;
  communeCode: string;
  communeName: string;
  /** OSM string as stored, and one French line per rule for display. */
  openingHours: string | null;
  openingHoursText: string[];
  services: string[];
  free: boolean;
  /** 0 same commune, 1 same EPCI, 2 same département, 3 elsewhere in the territory (or no reference commune). */
  proximity: 0 | 1 | 2 | 3;
}

/**
 * Département codes that can hold a commune of the territory, as the first two characters of an
 * INSEE code (2A/2B, 97x and 98x included): a cheap SQL pre-filter before the exact check in memory.
 */
function codePrefixes(territory: TerritoryRestrictionColumn): string[] {
  const territories = getTerritories();
  const departements = new Set<string>(territory.departements ?? []);
  for (const code of territory.communes ?? []) {
    const commune = territories.commune(code);
    if (commune) departements.add(commune.departement);
  }
  for (const siren of territory.epcis ?? []) {
    for (const code of territories.epci(siren)?.communes ?? []) {
      const commune = territories.commune(code);
      if (commune) departements.add(commune.departement);
    }
  }
  return [...new Set([...departements].map((d) => d.slice(0, 2)))];
}

/**
 * Where a pass can be used: the active sites of labelled places inside the order's territory,
 * nearest first when a reference commune is given (same commune, then same EPCI, then same
 * département), then by commune and name. Only public facts about places: nothing about who holds
 * the pass. For the public pass page (`/p/{code}`) and the scan page's "where else" hint.
 */
export function usableSites(db: DbOrTx, input: { territory: TerritoryRestrictionColumn | null; nearCommuneCode?: string | null; limit?: number }): UsableSite[] {
  const territories = getTerritories();
  const prefixes = input.territory ? codePrefixes(input.territory) : null;
  if (prefixes && prefixes.length === 0) return [];
  const rows = activeLabelledSites(db, prefixes);
  const near = input.nearCommuneCode ? territories.commune(input.nearCommuneCode) : undefined;
  const proximity = (communeCode: string): UsableSite['proximity'] => {
    const commune = territories.commune(communeCode);
    if (!near || !commune) return 3;
    if (commune.code === near.code || (commune.parent ?? commune.code) === (near.parent ?? near.code)) return 0;
    if (commune.epci !== null && commune.epci === near.epci) return 1;
    if (commune.departement === near.departement) return 2;
    return 3;
  };
  return rows
    .filter((r) => territories.isCommuneInTerritory(r.site.communeCode, input.territory))
    .map((r) => ({
      placeName: r.placeName,
      siteName: r.site.name,
      address: r.site.address,
      postalCode: r.site.postalCode,
      communeCode: r.site.communeCode,
      communeName: territories.commune(r.site.communeCode)?.name ?? r.site.communeCode,
      openingHours: r.site.openingHours,
      openingHoursText: describeOpeningHours(r.site.openingHours),
      services: r.site.services,
      free: r.site.free,
      proximity: proximity(r.site.communeCode),
    }))
    .sort((a, b) => a.proximity - b.proximity || a.communeName.localeCompare(b.communeName, 'fr') || a.siteName.localeCompare(b.siteName, 'fr'))
    .slice(0, input.limit ?? 50);
}
