/**
 * Order rows as records, below every use case: the lookups other modules need (a job resuming an
 * order, a print file, a booklet page checking its order) without going through the orders
 * service, which orchestrates them and so depends on those modules.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { orders, type OrderRow } from '../../../db/schema/orders.ts';
import { isOperator, type Actor } from '../identity/actor.ts';

export type { OrderRow };

/** Unscoped: for jobs and internal steps that already hold the id from a checked request. */
export function findOrderById(db: DbOrTx, orderId: string): OrderRow | undefined {
  return db.select().from(orders).where(eq(orders.id, orderId)).get();
}

/** The order if the actor may see it (the operator, or its buyer); undefined otherwise, as if it did not exist. */
export function findOrderFor(db: DbOrTx, actor: Actor, orderId: string): OrderRow | undefined {
  const order = findOrderById(db, orderId);
  if (!order) return undefined;
  return isOperator(actor) || order.buyerId === actor.organisationId ? order : undefined;
}

export function buyerNameOf(db: DbOrTx, buyerId: string): string {
  return db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, buyerId)).get()?.name ?? '';
}
