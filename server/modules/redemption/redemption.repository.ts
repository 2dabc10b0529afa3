/** Redemption lists: the API's keyset pages and the place's month page (search, filters, sort, numbered pages). */
import { and, count, desc, eq, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { passes } from '../../../db/schema/booklets.ts';
import { placeSites } from '../../../db/schema/places.ts';
import { redemptions } from '../../../db/schema/redemption.ts';
import type { Clock } from '../../shared/clock.ts';
import { orderByFor, searchCondition, type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
import type { RedemptionView } from './redemption.schemas.ts';
import { toView } from './redemption.service.ts';

/** Redemptions visible to the actor: its own place's, or every place's for the operator; newest first. */
export function listRedemptions(
  db: DbOrTx,
  clock: Clock,
  actor: Actor,
  page: { limit: number; after?: { createdAt: string; id: string }; period?: string; status?: 'live' | 'cancelled'; placeId?: string },
): RedemptionView[] {
  if (!isOperator(actor) && actor.organisationKind !== 'place') return [];
  const scope = isOperator(actor) ? (page.placeId ? eq(redemptions.placeId, page.placeId) : undefined) : eq(redemptions.placeId, actor.organisationId);
  const after = page.after ? sql`(${redemptions.redeemedAt}, ${redemptions.id}) < (${page.after.createdAt}, ${page.after.id})` : undefined;
  const rows = db
    .select({ r: redemptions, code: passes.code, siteName: placeSites.name, placeName: organisations.name })
    .from(redemptions)
    .innerJoin(passes, eq(passes.id, redemptions.passId))
    .innerJoin(placeSites, eq(placeSites.id, redemptions.siteId))
    .innerJoin(organisations, eq(organisations.id, redemptions.placeId))
    .where(and(scope, after, page.period ? eq(redemptions.period, page.period) : undefined, page.status ? eq(redemptions.status, page.status) : undefined))
    .orderBy(desc(redemptions.redeemedAt), desc(redemptions.id))
    .limit(page.limit + 1)
    .all();
  const now = clock.now();
  return rows.map((row) => toView(row.r, row.code, row.siteName, row.placeName, now));
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

export function countPlaceRedemptions(db: DbOrTx, actor: Actor, criteria: RedemptionCriteria): number {
  return (
    db
      .select({ n: count() })
      .from(redemptions)
      .innerJoin(passes, eq(passes.id, redemptions.passId))
      .innerJoin(placeSites, eq(placeSites.id, redemptions.siteId))
      .where(placeRedemptionsWhere(actor, criteria))
      .get()?.n ?? 0
  );
}

export function searchPlaceRedemptions(db: DbOrTx, clock: Clock, actor: Actor, criteria: RedemptionCriteria, sort: { key: RedemptionSort; dir: SortDirection }, window: ListWindow): RedemptionView[] {
  const now = clock.now();
  return db
    .select({ r: redemptions, code: passes.code, siteName: placeSites.name, placeName: organisations.name })
    .from(redemptions)
    .innerJoin(passes, eq(passes.id, redemptions.passId))
    .innerJoin(placeSites, eq(placeSites.id, redemptions.siteId))
    .innerJoin(organisations, eq(organisations.id, redemptions.placeId))
    .where(placeRedemptionsWhere(actor, criteria))
    .orderBy(orderByFor(REDEMPTION_SORTS, sort, redemptions.id))
    .limit(window.limit)
    .offset(window.offset)
    .all()
    .map((row) => toView(row.r, row.code, row.siteName, row.placeName, now));
}
