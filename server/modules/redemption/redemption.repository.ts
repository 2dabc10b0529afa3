/** Redemption rows: the place's cancellation, lists (the API's keyset pages, the place's month page) and month figures (the hot path's statements are in redemption.statements.ts). */
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { booklets, passes } from '../../../db/schema/booklets.ts';
import { placeSites } from '../../../db/schema/places.ts';
import { redemptions } from '../../../db/schema/redemption.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
import type { Actor } from '../identity/actor.ts';

export type RedemptionRow = typeof redemptions.$inferSelect;

export function findRedemptionOfPlace(db: DbOrTx, redemptionId: string, placeId: string): RedemptionRow | undefined {
  return db
    .select()
    .from(redemptions)
    .where(and(eq(redemptions.id, redemptionId), eq(redemptions.placeId, placeId)))
    .get();
}

/** Conditional: true only if the redemption was still live, unbatched and redeemed since `redeemedSince`. */
export function markRedemptionCancelled(db: DbOrTx, c: { redemptionId: string; at: string; byUserId: string | null; redeemedSince: string }): boolean {
  const changed = db
    .update(redemptions)
    .set({ status: 'cancelled', cancelledAt: c.at, cancelledByUserId: c.byUserId })
    .where(
      and(
        eq(redemptions.id, c.redemptionId),
        eq(redemptions.status, 'live'),
        sql`${redemptions.batchedAt} IS NULL`,
        sql`${redemptions.redeemedAt} >= ${c.redeemedSince}`,
      ),
    )
    .run();
  return changed.changes === 1;
}

export function setCancelJournalEntry(db: DbOrTx, redemptionId: string, entryId: string): void {
  db.update(redemptions).set({ cancelJournalEntryId: entryId }).where(eq(redemptions.id, redemptionId)).run();
}

export function passWithBooklet(db: DbOrTx, passId: number) {
  return db
    .select({ id: passes.id, code: passes.code, bookletId: passes.bookletId, bookletStatus: booklets.status })
    .from(passes)
    .innerJoin(booklets, eq(booklets.id, passes.bookletId))
    .where(eq(passes.id, passId))
    .get()!;
}

export function siteNameOf(db: DbOrTx, siteId: string): string {
  return db.select({ name: placeSites.name }).from(placeSites).where(eq(placeSites.id, siteId)).get()?.name ?? '';
}

const withNames = { r: redemptions, code: passes.code, siteName: placeSites.name, placeName: organisations.name };

/** Redemptions with their pass code, site and place names: what the lists and the detail show. */
const namedRedemptions = (db: DbOrTx) =>
  db
    .select(withNames)
    .from(redemptions)
    .innerJoin(passes, eq(passes.id, redemptions.passId))
    .innerJoin(placeSites, eq(placeSites.id, redemptions.siteId))
    .innerJoin(organisations, eq(organisations.id, redemptions.placeId));

/** Newest first, `limit` + 1 rows (the extra one says whether a next page exists); every place when `placeId` is undefined. */
export function listRedemptionRows(
  db: DbOrTx,
  page: { limit: number; after?: { createdAt: string; id: string }; period?: string; status?: 'live' | 'cancelled'; placeId?: string },
) {
  const after = page.after ? sql`(${redemptions.redeemedAt}, ${redemptions.id}) < (${page.after.createdAt}, ${page.after.id})` : undefined;
  return namedRedemptions(db)
    .where(
      and(
        page.placeId ? eq(redemptions.placeId, page.placeId) : undefined,
        after,
        page.period ? eq(redemptions.period, page.period) : undefined,
        page.status ? eq(redemptions.status, page.status) : undefined,
      ),
    )
    .orderBy(desc(redemptions.redeemedAt), desc(redemptions.id))
    .limit(page.limit + 1)
    .all();
}

export function findRedemptionRow(db: DbOrTx, redemptionId: string) {
  return namedRedemptions(db)
    .where(eq(redemptions.id, redemptionId))
    .get();
}

/** The month's figures of a place's dashboard: live redemptions and their total, cancellations. */
export function monthTotals(db: DbOrTx, placeId: string, period: string): { count: number; amountCents: number; cancelled: number } {
  const rows = db
    .select({ status: redemptions.status, n: sql<number>`count(*)`, cents: sql<number>`coalesce(sum(${redemptions.amountCents}), 0)` })
    .from(redemptions)
    .where(and(eq(redemptions.placeId, placeId), eq(redemptions.period, period), inArray(redemptions.status, ['live', 'cancelled'])))
    .groupBy(redemptions.status)
    .all();
  const live = rows.find((r) => r.status === 'live');
  return { count: live?.n ?? 0, amountCents: live?.cents ?? 0, cancelled: rows.find((r) => r.status === 'cancelled')?.n ?? 0 };
}

export const REDEMPTION_SORTS = { date: redemptions.redeemedAt, montant: redemptions.amountCents, site: placeSites.name } as const;
export type RedemptionSort = keyof typeof REDEMPTION_SORTS;

export interface RedemptionCriteria {
  /** Paris month "2026-11": the page always shows one month. */
  period: string;
  q: string;
  status?: 'live' | 'cancelled';
  siteId?: string;
}

/** Words of a service or a site, or the characters of a pass code as printed (dashes and spaces dropped). */
function searchRedemption(q: string) {
  const byWords = searchCondition(q, [redemptions.service, placeSites.name]);
  const code = q.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z0-9]{4,24}$/.test(code) ? or(byWords, searchCondition(code, [passes.code])) : byWords;
}

/** A place reads its own redemptions only; the search (service, site, the code's characters) never widens that. */
function placeRedemptionsWhere(actor: Actor, criteria: RedemptionCriteria) {
  return and(
    eq(redemptions.placeId, actor.organisationId),
    eq(redemptions.period, criteria.period),
    criteria.status ? eq(redemptions.status, criteria.status) : undefined,
    criteria.siteId ? eq(redemptions.siteId, criteria.siteId) : undefined,
    searchRedemption(criteria.q),
  );
}

const matchingPlaceRedemptions = (db: DbOrTx, actor: Actor, criteria: RedemptionCriteria) => namedRedemptions(db).where(placeRedemptionsWhere(actor, criteria)).$dynamic();

export function countPlaceRedemptions(db: DbOrTx, actor: Actor, criteria: RedemptionCriteria): number {
  return countMatching(db, matchingPlaceRedemptions(db, actor, criteria));
}

/** One page of the place's month, with the pass code, site and place names (the service turns them into views). */
export function searchPlaceRedemptionRows(db: DbOrTx, actor: Actor, criteria: RedemptionCriteria, sort: { key: RedemptionSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingPlaceRedemptions(db, actor, criteria), orderByFor(REDEMPTION_SORTS, sort, redemptions.id), window);
}
