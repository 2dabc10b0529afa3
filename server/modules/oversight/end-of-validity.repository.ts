import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { endOfValiditySteps, type EndOfValidityStep } from '../../../db/schema/oversight.ts';
import { parisDate } from '../../shared/paris-time.ts';

export type StepRow = typeof endOfValiditySteps.$inferSelect;

export function stepsOf(db: DbOrTx, orderId: string): StepRow[] {
  return db.select().from(endOfValiditySteps).where(eq(endOfValiditySteps.orderId, orderId)).all();
}

/** One row per (order, step): inserting a step taken meanwhile changes nothing (returns false). */
export function insertStep(db: DbOrTx, row: StepRow): boolean {
  return db.insert(endOfValiditySteps).values(row).onConflictDoNothing().run().changes === 1;
}

export function isBlocked(db: DbOrTx, orderId: string): boolean {
  return (
    db
      .select({ at: endOfValiditySteps.at })
      .from(endOfValiditySteps)
      .where(and(eq(endOfValiditySteps.orderId, orderId), eq(endOfValiditySteps.step, 'blocking_approved' satisfies EndOfValidityStep)))
      .get() !== undefined
  );
}

/** Booklets of the order never handed out: in the buyer's stock or with a prescriber. */
export function unhandedBooklets(db: DbOrTx, orderId: string) {
  return db
    .select({ serial: booklets.serial, passCount: booklets.passCount, status: booklets.status })
    .from(booklets)
    .where(and(eq(booklets.orderId, orderId), inArray(booklets.status, ['in_stock', 'allotted'])))
    .orderBy(booklets.position)
    .all();
}

/** The figures of the closing statement. */
export function closingFigures(db: DbOrTx, orderId: string) {
  return db.get<{ bought: number; distributed: number; used: number; usedCents: number; reimbursedCents: number; expired: number; creditedCents: number; creditedBuyerCents: number; creditedStateCents: number }>(sql`
    SELECT (SELECT count(*) FROM passes WHERE order_id = ${orderId}) AS bought,
           (SELECT coalesce(sum(b.pass_count), 0) FROM distributions d JOIN booklets b ON b.id = d.booklet_id WHERE d.order_id = ${orderId}) AS distributed,
           (SELECT count(*) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.order_id = ${orderId} AND r.status = 'live') AS used,
           (SELECT coalesce(sum(r.amount_cents), 0) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.order_id = ${orderId} AND r.status = 'live') AS usedCents,
           (SELECT coalesce(sum(l.amount_cents), 0) FROM reimbursement_lines l JOIN redemptions r ON r.id = l.redemption_id JOIN passes p ON p.id = r.pass_id WHERE p.order_id = ${orderId}) AS reimbursedCents,
           (SELECT count(*) FROM passes WHERE order_id = ${orderId} AND status = 'expired') AS expired,
           (SELECT coalesce(sum(total_cents), 0) FROM credit_notes WHERE order_id = ${orderId}) AS creditedCents,
           (SELECT coalesce(sum(buyer_share_cents), 0) FROM credit_notes WHERE order_id = ${orderId}) AS creditedBuyerCents,
           (SELECT coalesce(sum(state_share_cents), 0) FROM credit_notes WHERE order_id = ${orderId}) AS creditedStateCents`)!;
}

/** Prescribers designated on the order (not revoked), with the booklets of it each still holds. */
export function designatedPrescribersWithHeldCount(db: DbOrTx, orderId: string): { prescriberId: string; held: number }[] {
  return db.all(sql`
    SELECT d.prescriber_id AS prescriberId,
           (SELECT count(*) FROM booklets b WHERE b.order_id = d.order_id AND b.holder_id = d.prescriber_id AND b.status = 'allotted') AS held
      FROM prescriber_designations d
     WHERE d.order_id = ${orderId} AND d.revoked_at IS NULL`);
}

/** Day each order's blocking was approved (Paris), for those blocked. */
export function blockingDays(db: DbOrTx, orderIds: readonly string[]): Map<string, string> {
  if (orderIds.length === 0) return new Map();
  const rows = db
    .select({ orderId: endOfValiditySteps.orderId, at: endOfValiditySteps.at })
    .from(endOfValiditySteps)
    .where(and(inArray(endOfValiditySteps.orderId, [...orderIds]), eq(endOfValiditySteps.step, 'blocking_approved' satisfies EndOfValidityStep)))
    .all();
  return new Map(rows.map((r) => [r.orderId, parisDate(new Date(r.at))]));
}
