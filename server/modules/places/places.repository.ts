/** The places' tables: rows, sites, bank accounts, lists. Every read the places module makes. */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { auditLog, organisations, users } from '../../../db/schema/accounts.ts';
import { placeBankAccounts, places, placeSites, type PlaceStatus } from '../../../db/schema/places.ts';
import { newId } from '../../shared/secrets.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition, searchOrAlso } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import type { SiteInput } from './places.schemas.ts';

export type PlaceRow = typeof places.$inferSelect;
export type SiteRow = typeof placeSites.$inferSelect;
export type BankAccountRow = typeof placeBankAccounts.$inferSelect;

export function sitesOf(db: DbOrTx, placeId: string, options: { activeOnly?: boolean } = {}): SiteRow[] {
  return db
    .select()
    .from(placeSites)
    .where(and(eq(placeSites.placeId, placeId), options.activeOnly ? eq(placeSites.active, true) : undefined))
    .orderBy(asc(placeSites.createdAt), asc(placeSites.name))
    .all();
}

export function bankAccountsOf(db: DbOrTx, placeId: string): { validated?: BankAccountRow; pending?: BankAccountRow } {
  const rows = db
    .select()
    .from(placeBankAccounts)
    .where(and(eq(placeBankAccounts.placeId, placeId), inArray(placeBankAccounts.status, ['validated', 'pending'])))
    .all();
  return { validated: rows.find((r) => r.status === 'validated'), pending: rows.find((r) => r.status === 'pending') };
}

export function findPlaceRow(db: DbOrTx, placeId: string): (PlaceRow & { name: string; siret: string | null }) | undefined {
  const row = db
    .select({ place: places, name: organisations.name, siret: organisations.siret })
    .from(places)
    .innerJoin(organisations, eq(organisations.id, places.organisationId))
    .where(eq(places.organisationId, placeId))
    .get();
  return row ? { ...row.place, name: row.name, siret: row.siret } : undefined;
}

export function listPlaces(db: DbOrTx, actor: Actor, page: { limit: number; after?: { createdAt: string; id: string }; status?: PlaceStatus }) {
  const scope = isOperator(actor) ? undefined : eq(places.organisationId, actor.organisationId);
  const after = page.after ? sql`(${places.createdAt}, ${places.organisationId}) < (${page.after.createdAt}, ${page.after.id})` : undefined;
  return db
    .select({ id: places.organisationId, createdAt: places.createdAt })
    .from(places)
    .where(and(scope, after, page.status ? eq(places.status, page.status) : undefined))
    .orderBy(sql`${places.createdAt} DESC, ${places.organisationId} DESC`)
    .limit(page.limit + 1)
    .all();
}

export function countPlacesByStatus(db: DbOrTx): Record<PlaceStatus, number> {
  const counts: Record<PlaceStatus, number> = { applied: 0, labelled: 0, suspended: 0, rejected: 0 };
  for (const row of db.select({ status: places.status, n: sql<number>`count(*)` }).from(places).groupBy(places.status).all()) counts[row.status] = row.n;
  return counts;
}

export function insertSite(tx: Tx, now: string, placeId: string, site: SiteInput & { externalId?: string | null; latitude?: number | null; longitude?: number | null }): SiteRow {
  const row: SiteRow = {
    id: newId(),
    placeId,
    name: site.name,
    address: site.address,
    postalCode: site.postalCode ?? null,
    communeCode: site.communeCode,
    openingHours: site.openingHours ?? null,
    services: [...new Set(site.services)],
    free: site.free,
    active: true,
    externalId: site.externalId ?? null,
    latitude: site.latitude ?? null,
    longitude: site.longitude ?? null,
    phone: site.phone ?? null,
    email: site.email ?? null,
    website: site.website ?? null,
    accessibility: [],
    accessibilityUrl: null,
    createdAt: now,
    updatedAt: now,
  };
  tx.insert(placeSites).values(row).run();
  return row;
}

export const PLACE_SORTS = { date: places.createdAt, nom: organisations.name, statut: places.status } as const;
export type PlaceSort = keyof typeof PLACE_SORTS;

export interface PlaceCriteria {
  q: string;
  /** Communes whose name matches the search, found by the caller in the territories' reference. */
  communeCodes: string[];
  status?: PlaceStatus;
  source?: 'import' | 'application';
  bank?: 'pending' | 'validated' | 'missing';
}

/** Every site name and postal code of a place, as one text a search can match. */
const siteText = sql`(SELECT group_concat(${placeSites.name} || ' ' || coalesce(${placeSites.postalCode}, ''), ' ') FROM ${placeSites} WHERE ${placeSites.placeId} = ${places.organisationId})`;
const hasBank = (status: 'pending' | 'validated') =>
  sql`EXISTS (SELECT 1 FROM ${placeBankAccounts} WHERE ${placeBankAccounts.placeId} = ${places.organisationId} AND ${placeBankAccounts.status} = ${status})`;

function placeWhere(actor: Actor, criteria: PlaceCriteria) {
  const byText = searchCondition(criteria.q, [organisations.name, organisations.siret, siteText]);
  const byCommune =
    criteria.communeCodes.length > 0
      ? sql`EXISTS (SELECT 1 FROM ${placeSites} WHERE ${placeSites.placeId} = ${places.organisationId} AND ${inArray(placeSites.communeCode, criteria.communeCodes)})`
      : undefined;
  return and(
    isOperator(actor) ? undefined : eq(places.organisationId, actor.organisationId),
    criteria.status ? eq(places.status, criteria.status) : undefined,
    criteria.source ? eq(places.source, criteria.source) : undefined,
    criteria.bank === 'pending' ? hasBank('pending') : undefined,
    criteria.bank === 'validated' ? and(hasBank('validated'), sql`NOT ${hasBank('pending')}`) : undefined,
    criteria.bank === 'missing' ? sql`NOT ${hasBank('validated')} AND NOT ${hasBank('pending')}` : undefined,
    searchOrAlso(byText, byCommune),
  );
}

const matchingPlaces = (db: DbOrTx, actor: Actor, criteria: PlaceCriteria) =>
  db.select({ id: places.organisationId }).from(places).innerJoin(organisations, eq(organisations.id, places.organisationId)).where(placeWhere(actor, criteria)).$dynamic();

export function countPlaceSearch(db: DbOrTx, actor: Actor, criteria: PlaceCriteria): number {
  return countMatching(db, matchingPlaces(db, actor, criteria));
}

export function searchPlaces(db: DbOrTx, actor: Actor, criteria: PlaceCriteria, sort: { key: PlaceSort; dir: SortDirection }, window: ListWindow): string[] {
  return readWindow(matchingPlaces(db, actor, criteria), orderByFor(PLACE_SORTS, sort, places.organisationId), window).map((row) => row.id);
}

/** A place's audit trail, newest first, with who acted. Not scoped: the caller found the place for the actor. */
export function placeHistory(db: DbOrTx, placeId: string, limit: number) {
  return db
    .select({ action: auditLog.action, at: auditLog.at, data: auditLog.data, actorName: users.name })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(eq(auditLog.subjectType, 'place'), eq(auditLog.subjectId, placeId)))
    .orderBy(desc(auditLog.id))
    .limit(limit)
    .all();
}
