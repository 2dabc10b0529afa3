/** Writes and lookups of a place's sites (place_sites) beyond the lists in places.repository.ts. */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
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

// --- A place's sites as a list (issue 16): search, open/closed, sort by name or commune ----------

export type SiteSort = 'nom' | 'commune';

export interface SiteCriteria {
  placeId: string;
  q: string;
  /** Open sites only (true), closed only (false), or both. */
  active?: boolean;
  /** The names of the place's communes by INSEE code, from the territories' reference (not a table). */
  communeNames: ReadonlyMap<string, string>;
}

/** The INSEE codes of a place's sites, each once: the list names them to search and sort by name. */
export function siteCommuneCodes(db: DbOrTx, placeId: string): string[] {
  return db
    .selectDistinct({ code: placeSites.communeCode })
    .from(placeSites)
    .where(eq(placeSites.placeId, placeId))
    .all()
    .map((r) => r.code);
}

/**
 * The commune's name as a column: the names live in the territories' reference, not in the
 * database, so the few communes of one place are written into the query. A search then matches
 * "Rodez médiathèque" across the name and the commune, and the sort is by name, not by code.
 */
function communeNameColumn(names: ReadonlyMap<string, string>): SQL {
  if (names.size === 0) return sql`${placeSites.communeCode}`;
  const cases = [...names].map(([code, name]) => sql`WHEN ${code} THEN ${name}`);
  return sql`(CASE ${placeSites.communeCode} ${sql.join(cases, sql` `)} ELSE ${placeSites.communeCode} END)`;
}

const matchingSites = (db: DbOrTx, criteria: SiteCriteria) =>
  db
    .select()
    .from(placeSites)
    .where(
      and(
        eq(placeSites.placeId, criteria.placeId),
        criteria.active === undefined ? undefined : eq(placeSites.active, criteria.active),
        searchCondition(criteria.q, [placeSites.name, placeSites.address, placeSites.postalCode, placeSites.communeCode, communeNameColumn(criteria.communeNames)]),
      ),
    )
    .$dynamic();

export function countSiteSearch(db: DbOrTx, criteria: SiteCriteria): number {
  return countMatching(db, matchingSites(db, criteria));
}

export function searchSites(db: DbOrTx, criteria: SiteCriteria, sort: { key: SiteSort; dir: SortDirection }, window: ListWindow): SiteRow[] {
  // Case-insensitive, so "Bibliothèque de la Reyssouze" comes before "Bibliothèque Vennes".
  const columns = { nom: sql`${placeSites.name} COLLATE NOCASE`, commune: sql`(${communeNameColumn(criteria.communeNames)} || ' ' || ${placeSites.name}) COLLATE NOCASE` };
  return readWindow(matchingSites(db, criteria), orderByFor(columns, sort, placeSites.id), window);
}
