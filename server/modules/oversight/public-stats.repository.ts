import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';

/*
 * The facts behind the public statistics, per commune (the service turns communes into
 * départements) and Paris month, for closed months only (before `untilMonth`).
 */

type Row = { communeCode: string | null; month: string; n: number; cents: number };

/** Passes of approved orders, by the buyer's commune and the month the order was approved (Paris). */
export function boughtByMonth(db: DbOrTx): { communeCode: string | null; approvedAt: string; n: number }[] {
  return db.all(sql`
    SELECT g.commune_code AS communeCode, o.approved_at AS approvedAt, o.booklet_count * o.passes_per_booklet AS n
      FROM orders o JOIN organisations g ON g.id = o.buyer_id
     WHERE o.status IN ('approved', 'closed') AND o.approved_at IS NOT NULL`);
}

/** Passes of booklets handed out, by the beneficiary's commune and month. */
export function distributedByMonth(db: DbOrTx, untilMonth: string): Row[] {
  return db.all(sql`
    SELECT d.commune_code AS communeCode, substr(d.distributed_on, 1, 7) AS month, sum(b.pass_count) AS n, 0 AS cents
      FROM distributions d JOIN booklets b ON b.id = d.booklet_id
     WHERE substr(d.distributed_on, 1, 7) < ${untilMonth}
     GROUP BY d.commune_code, month`);
}

/** Live redemptions, by the commune of the site where the service was delivered and the month of the redemption. */
export function usedByMonth(db: DbOrTx, untilMonth: string): Row[] {
  return db.all(sql`
    SELECT s.commune_code AS communeCode, r.period AS month, count(*) AS n, sum(r.amount_cents) AS cents
      FROM redemptions r JOIN place_sites s ON s.id = r.site_id
     WHERE r.status = 'live' AND r.period < ${untilMonth}
     GROUP BY s.commune_code, r.period`);
}

/** Paid payouts to places, by the place's commune and the month their redemptions belong to. */
export function reimbursedByMonth(db: DbOrTx, untilMonth: string): Row[] {
  return db.all(sql`
    SELECT g.commune_code AS communeCode, b.period AS month, 0 AS n, sum(p.amount_cents) AS cents
      FROM payouts p JOIN reimbursement_batches b ON b.id = p.batch_id JOIN organisations g ON g.id = p.place_id
     WHERE p.status = 'paid' AND b.period < ${untilMonth}
     GROUP BY g.commune_code, b.period`);
}

/** Labelled places, by the commune of each of their active sites (a place counts once per département). */
export function labelledPlaceSites(db: DbOrTx): { placeId: string; communeCode: string }[] {
  return db.all(sql`
    SELECT DISTINCT s.place_id AS placeId, s.commune_code AS communeCode
      FROM place_sites s JOIN places pl ON pl.organisation_id = s.place_id
     WHERE pl.status = 'labelled' AND s.active = 1`);
}
