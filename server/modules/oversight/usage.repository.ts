import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';

/*
 * Read side of the usage figures: what became of the passes of some orders. Every query takes the
 * orders it may look at as a scope (one buyer, one of its orders, or one programme's orders), so no
 * figure can mix in another organisation's passes.
 */

export interface OrderScope {
  buyerId?: string;
  orderId?: string;
  programId?: string;
  /** Orders of a territory only: their buyer's département (public statistics). */
  departement?: string;
  /** Figures as of the end of this month (YYYY-MM, Europe/Paris): a usage snapshot. */
  untilMonth?: string;
}

/** `r` is a redemption: counted when it belongs to a month up to the snapshot's (all when live figures). */
const redemptionUntil = (scope: OrderScope): SQL => (scope.untilMonth === undefined ? sql`1 = 1` : sql`r.period <= ${scope.untilMonth}`);
/** `d` is a distribution: handed out on a Paris day of a month up to the snapshot's. */
const distributionUntil = (scope: OrderScope): SQL => (scope.untilMonth === undefined ? sql`1 = 1` : sql`substr(d.distributed_on, 1, 7) <= ${scope.untilMonth}`);

/** `o` is the orders table in every query below; only approved (or closed) orders have passes. */
function scopeSql(scope: OrderScope): SQL {
  const parts: SQL[] = [sql`o.status IN ('approved', 'closed')`];
  if (scope.buyerId !== undefined) parts.push(sql`o.buyer_id = ${scope.buyerId}`);
  if (scope.orderId !== undefined) parts.push(sql`o.id = ${scope.orderId}`);
  if (scope.programId !== undefined) parts.push(sql`o.program_id = ${scope.programId}`);
  return sql.join(parts, sql` AND `);
}

export interface OrderFacts {
  id: string;
  reference: string;
  buyerId: string;
  buyerName: string;
  validFrom: string;
  validUntil: string;
  faceValueCents: number;
  totalCents: number;
  stateShareCents: number;
  allowedServices: string | null;
  territory: string | null;
  publics: string | null;
  programId: string | null;
}

export function ordersInScope(db: DbOrTx, scope: OrderScope): OrderFacts[] {
  return db.all<OrderFacts>(sql`
    SELECT o.id, o.reference, o.buyer_id AS buyerId, g.name AS buyerName, o.valid_from AS validFrom, o.valid_until AS validUntil,
           o.face_value_cents AS faceValueCents, o.total_cents AS totalCents, o.state_share_cents AS stateShareCents,
           o.allowed_services AS allowedServices, o.territory, o.publics, o.program_id AS programId
      FROM orders o JOIN organisations g ON g.id = o.buyer_id
     WHERE ${scopeSql(scope)}
     ORDER BY o.created_at, o.id`);
}

/** Passes per status, and the face value of each group. */
export function passTotals(db: DbOrTx, scope: OrderScope) {
  return db.all<{ status: string; n: number; cents: number }>(sql`
    SELECT p.status, count(*) AS n, coalesce(sum(p.face_value_cents), 0) AS cents
      FROM passes p JOIN orders o ON o.id = p.order_id
     WHERE ${scopeSql(scope)}
     GROUP BY p.status`);
}

/** Passes of booklets handed out to a beneficiary (a distribution row), whatever became of them since. */
export function distributedPasses(db: DbOrTx, scope: OrderScope): number {
  return (
    db.get<{ n: number }>(sql`
      SELECT coalesce(sum(b.pass_count), 0) AS n
        FROM distributions d JOIN booklets b ON b.id = d.booklet_id JOIN orders o ON o.id = d.order_id
       WHERE ${scopeSql(scope)} AND ${distributionUntil(scope)}`)?.n ?? 0
  );
}

export interface UsedCell {
  period: string;
  service: string | null;
  placeId: string;
  placeName: string;
  communeCode: string;
  publicCategory: string | null;
  prescriberId: string | null;
  n: number;
  cents: number;
}

/**
 * Live redemptions of the scope's passes, grouped by everything the dashboard breaks them down by
 * (month, service, place and commune, public, prescriber): one query, the breakdowns are sums of it.
 */
export function usedCells(db: DbOrTx, scope: OrderScope): UsedCell[] {
  return db.all<UsedCell>(sql`
    SELECT r.period, r.service, r.place_id AS placeId, pl.name AS placeName, coalesce(r.commune_code, s.commune_code) AS communeCode,
           d.public_category AS publicCategory, d.prescriber_id AS prescriberId,
           count(*) AS n, sum(r.amount_cents) AS cents
      FROM redemptions r
      JOIN passes p ON p.id = r.pass_id
      JOIN orders o ON o.id = p.order_id
      JOIN place_sites s ON s.id = r.site_id
      JOIN organisations pl ON pl.id = r.place_id
      LEFT JOIN distributions d ON d.booklet_id = p.booklet_id
     WHERE r.status = 'live' AND ${scopeSql(scope)} AND ${redemptionUntil(scope)}
     GROUP BY r.period, r.service, r.place_id, coalesce(r.commune_code, s.commune_code), d.public_category, d.prescriber_id`);
}

/** Every (place, commune) where a labelled place has a site: the fixed list of rows "where" is shown over. */
export function placeCommunes(db: DbOrTx): { placeId: string; placeName: string; communeCode: string }[] {
  return db.all(sql`
    SELECT DISTINCT s.place_id AS placeId, g.name AS placeName, s.commune_code AS communeCode
      FROM place_sites s JOIN places pl ON pl.organisation_id = s.place_id JOIN organisations g ON g.id = s.place_id
     WHERE pl.status IN ('labelled', 'suspended')
     ORDER BY g.name, s.commune_code`);
}

/** Prescribers ever designated on the scope's orders, with what they hold and hand out. */
export function prescriberFacts(db: DbOrTx, scope: OrderScope) {
  return db.all<{ prescriberId: string; prescriberName: string; held: number; distributed: number }>(sql`
    SELECT g.id AS prescriberId, g.name AS prescriberName,
           (SELECT count(*) FROM booklets b JOIN orders o ON o.id = b.order_id
             WHERE b.holder_id = g.id AND b.status = 'allotted' AND ${scopeSql(scope)}) AS held,
           (SELECT count(*) FROM distributions d JOIN orders o ON o.id = d.order_id
             WHERE d.prescriber_id = g.id AND ${scopeSql(scope)} AND ${distributionUntil(scope)}) AS distributed
      FROM organisations g
     WHERE g.id IN (SELECT pd.prescriber_id FROM prescriber_designations pd JOIN orders o ON o.id = pd.order_id WHERE ${scopeSql(scope)})
     ORDER BY g.name, g.id`);
}

/** For each handed-out booklet: its prescriber, the Paris day it was handed out and the instant of its first live use (null if none). */
export function handOutToFirstUse(db: DbOrTx, scope: OrderScope) {
  return db.all<{ prescriberId: string; distributedOn: string; firstUseOn: string | null }>(sql`
    SELECT d.prescriber_id AS prescriberId, d.distributed_on AS distributedOn,
           (SELECT min(r.redeemed_at) FROM redemptions r JOIN passes p ON p.id = r.pass_id
             WHERE p.booklet_id = d.booklet_id AND r.status = 'live' AND ${redemptionUntil(scope)}) AS firstUseOn
      FROM distributions d JOIN orders o ON o.id = d.order_id
     WHERE ${scopeSql(scope)} AND ${distributionUntil(scope)}`);
}

/** Whether a State organisation funds this programme (reads its orders' usage). */
export function programFundedBy(db: DbOrTx, programId: string, stateOrganisationId: string): boolean {
  return db.get(sql`SELECT 1 AS yes FROM program_state_terms WHERE program_id = ${programId} AND state_organisation_id = ${stateOrganisationId}`) !== undefined;
}

/** Distributions of the scope by public category, for the priority-public quota. */
export function distributionsByPublic(db: DbOrTx, scope: OrderScope) {
  return db.all<{ publicCategory: string; n: number }>(sql`
    SELECT d.public_category AS publicCategory, count(*) AS n
      FROM distributions d JOIN orders o ON o.id = d.order_id
     WHERE ${scopeSql(scope)}
     GROUP BY d.public_category`);
}
