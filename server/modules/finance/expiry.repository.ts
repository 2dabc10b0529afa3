/**
 * The queries of the end of validity (issue #14): the order to expire, its live passes and booklets
 * turned expired, and the orders due. Expiry is the operator's (or the nightly run's) business over
 * every organisation, so nothing here narrows to one; each write takes the transaction it runs in.
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { orders } from '../../../db/schema/orders.ts';

/** Pass statuses that can still be redeemed, hence expired. */
const LIVE_PASS = sql`('issued', 'active', 'blocked')`;

export function orderToExpire(tx: DbOrTx, orderId: string) {
  return tx.select().from(orders).where(eq(orders.id, orderId)).get();
}

/**
 * Turns every live pass of the order expired and returns them: the conditional UPDATE … RETURNING
 * picks each pass exactly once, so two runs, even at the same time, never take a pass twice.
 */
export function expireLivePassesOfOrder(tx: DbOrTx, orderId: string): { id: number; face_value_cents: number }[] {
  return tx.all<{ id: number; face_value_cents: number }>(
    sql`UPDATE passes SET status = 'expired'
        WHERE order_id = ${orderId} AND status IN ${LIVE_PASS}
        RETURNING id, face_value_cents`,
  );
}

/** An approved order is closed by its expiry; one already closed stays so. */
export function closeApprovedOrder(tx: DbOrTx, orderId: string): void {
  tx.update(orders).set({ status: 'closed' }).where(and(eq(orders.id, orderId), eq(orders.status, 'approved'))).run();
}

export function expireLiveBookletsOfOrder(tx: DbOrTx, orderId: string): void {
  tx.update(booklets)
    .set({ status: 'expired' })
    .where(and(eq(booklets.orderId, orderId), inArray(booklets.status, ['in_stock', 'allotted', 'distributed', 'started', 'blocked'])))
    .run();
}

/** Approved or closed orders valid until before `cutoff` that still have live passes. */
export function ordersWithLivePassesValidBefore(db: DbOrTx, cutoff: string): { id: string; reference: string }[] {
  return db
    .select({ id: orders.id, reference: orders.reference })
    .from(orders)
    .where(
      and(
        inArray(orders.status, ['approved', 'closed']),
        lt(orders.validUntil, cutoff),
        sql`EXISTS (SELECT 1 FROM passes p WHERE p.order_id = ${orders.id} AND p.status IN ${LIVE_PASS})`,
      ),
    )
    .all();
}
