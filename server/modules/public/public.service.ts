import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { lastAcceptedDay } from '../booklets/redeemability.ts';
import { isOpenAt } from '../places/open-now.ts';
import { describeOpeningHours } from '../places/opening-hours.ts';
import { expandAbbreviations, getTerritories, normaliseName, type Commune } from '../territories/territories.ts';
import { rankSites, type Point, type RankedSite } from '../places/directory.ts';
import * as repo from './public.repository.ts';
import { publishedSite, publishedSites } from '../places/directory.repository.ts';
import type { DirectoryQuery, PublicPlaceItem } from './public.schemas.ts';
import { invalidCursor, publicBookletNotFound, publicSiteNotFound } from './public.errors.ts';


/**
 * The commune a visitor means: a postal code or INSEE code, or a name ("st affrique", "RODEZ")
 * that is the start of a commune's name. A word that is only inside a name ("EPN") is not a commune.
 */
export function communeFromQuery(q: string | undefined): Commune | undefined {
  const query = (q ?? '').trim();
  if (query.length < 2) return undefined;
  const territories = getTerritories();
  if (/^\d{5}$/.test(query) || /^2[ab]\d{3}$/i.test(query)) return territories.searchCommunes(query, 1)[0];
  const needle = expandAbbreviations(normaliseName(query));
  const best = territories.searchCommunes(query, 1)[0];
  return best && normaliseName(best.name).startsWith(needle) ? best : undefined;
}

export function toPublicItem(ranked: RankedSite, now: Date): PublicPlaceItem {
  const { site } = ranked;
  return {
    id: site.id,
    name: site.name,
    placeName: site.placeName,
    address: site.address,
    postalCode: site.postalCode,
    communeCode: site.communeCode,
    communeName: ranked.communeName,
    services: site.services,
    free: site.free,
    accessibility: site.accessibility,
    openingHours: describeOpeningHours(site.openingHours),
    openNow: isOpenAt(site.openingHours, now),
    contact: { phone: site.phone, email: site.email, website: site.website },
    latitude: site.latitude,
    longitude: site.longitude,
    ...(ranked.distanceKm === null ? {} : { distanceKm: Math.round(ranked.distanceKm * 10) / 10 }),
  };
}

/** Offsets as cursors: the ranking is computed per request, so a key cursor would not be stable anyway. */
function decodeOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,6}$/.test(cursor)) throw invalidCursor();
  return Number(cursor);
}

function pointOf(query: { lat?: number; lon?: number }): Point | undefined {
  return query.lat !== undefined && query.lon !== undefined ? { latitude: query.lat, longitude: query.lon } : undefined;
}

/**
 * The public directory of labelled places: search by commune or name, filters, nearest first,
 * one page at a time. Anonymous; only what a place publishes.
 */
export function searchDirectory(deps: { db: DbOrTx; clock: Clock; query: DirectoryQuery }) {
  const { db, clock, query } = deps;
  const territories = getTerritories();
  const searched = (query.q ?? '').length >= 2;
  const near = communeFromQuery(query.q);
  // A code that is no commune's finds nothing, rather than every place in France.
  const nameQuery = searched && !/^\d+$/.test(query.q!) ? query.q : undefined;
  const ranked =
    searched && !near && !nameQuery
      ? []
      : rankSites(territories, publishedSites(db), {
          near,
          nearbyOnly: true,
          point: pointOf(query),
          nameQuery,
          filters: { service: query.service, free: query.gratuit, accessibility: query.accessibilite },
        });
  const offset = decodeOffset(query.cursor);
  const now = clock.now();
  const page = ranked.slice(offset, offset + query.limit).map((r) => toPublicItem(r, now));
  return {
    items: page,
    nextCursor: offset + query.limit < ranked.length ? String(offset + query.limit) : null,
    total: ranked.length,
    reference: near ? { communeCode: near.code, communeName: near.name } : null,
    searched,
  };
}

export function publicSite(deps: { db: DbOrTx; clock: Clock; siteId: string }) {
  const site = publishedSite(deps.db, deps.siteId);
  if (!site) throw publicSiteNotFound();
  const territories = getTerritories();
  const ranked: RankedSite = { site, communeName: territories.commune(site.communeCode)?.name ?? site.communeCode, closeness: 0, distanceKm: null };
  return { ...toPublicItem(ranked, deps.clock.now()), accessibilityUrl: site.accessibilityUrl, openingHoursRaw: site.openingHours };
}

/**
 * What the cover QR code of a booklet opens for anyone: validity with the grace period, value,
 * territory in words and the labelled places of that territory, nearest first when the visitor
 * says where they are. Nothing about who holds the booklet, no pass code.
 */
export function bookletPublicPage(deps: {
  db: DbOrTx;
  clock: Clock;
  gracePeriodDays: number;
  serial: string;
  near?: string;
  point?: { lat?: number; lon?: number };
  limit?: number;
}) {
  const { db, clock } = deps;
  const serial = deps.serial.trim().toUpperCase();
  const facts = repo.bookletPublicFacts(db, serial);
  if (!facts) throw publicBookletNotFound(serial);
  const territories = getTerritories();
  const near = communeFromQuery(deps.near);
  const ranked = rankSites(territories, publishedSites(db), { near, point: pointOf(deps.point ?? {}), territory: facts.territory ?? null });
  const now = clock.now();
  return {
    booklet: {
      serial: facts.serial,
      passCount: facts.passCount,
      buyerName: facts.buyerName,
      faceValueCents: facts.faceValueCents,
      validFrom: facts.validFrom,
      validUntil: facts.validUntil,
      lastRedeemableDay: lastAcceptedDay(facts.validUntil, deps.gracePeriodDays),
      gracePeriodDays: deps.gracePeriodDays,
      territory: territories.describeTerritory(facts.territory ?? null),
      blocked: facts.status === 'blocked',
    },
    reference: near ? { communeCode: near.code, communeName: near.name } : null,
    places: ranked.slice(0, deps.limit ?? 30).map((r) => toPublicItem(r, now)),
    placeCount: ranked.length,
  };
}
