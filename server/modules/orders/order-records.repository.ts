/**
 * Order rows as records, below every use case: the lookups other modules need (a job resuming an
 * order, a print file) without going through the orders service, which orchestrates and so may
 * depend on them. Scoped lookups for a caller stay in the service (`findOrderFor`).
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { orders, type OrderRow } from '../../../db/schema/orders.ts';

/** Unscoped: for jobs and internal steps that already hold the id from a checked request. */
export function findOrderById(db: DbOrTx, orderId: string): OrderRow | undefined {
  return db.select().from(orders).where(eq(orders.id, orderId)).get();
}
