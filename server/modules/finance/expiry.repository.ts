/**
 * The queries of the end of validity (issue #14): the order to expire, its live passes and booklets
 * (turned expired by the booklets module, which owns their statuses), and the orders due. Expiry is the operator's (or the nightly run's) business over
 * every organisation, so nothing here narrows to one; each write takes the transaction it runs in.
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { orders } from '../../../db/schema/orders.ts';

/** Pass statuses that can still be redeemed, hence expired. */
const LIVE_PASS = sql`('issued', 'active', 'blocked')`;

export function orderToExpire(tx: DbOrTx, orderId: string) {
  return tx.select().from(orders).where(eq(orders.id, orderId)).get();
}

/** An approved order is closed by its expiry; one already closed stays so. */
export function closeApprovedOrder(tx: DbOrTx, orderId: string): void {
  tx.update(orders).set({ status: 'closed' }).where(and(eq(orders.id, orderId), eq(orders.status, 'approved'))).run();
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
