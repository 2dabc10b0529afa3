import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { invoices, orders, type OrderRow } from '../../../db/schema/orders.ts';

export function findBuyerOf(db: DbOrTx, order: Pick<OrderRow, 'buyerId'>) {
  return db.select().from(organisations).where(eq(organisations.id, order.buyerId)).get()!;
}

export function findBuyerInvoice(db: DbOrTx, orderId: string) {
  return db
    .select()
    .from(invoices)
    .where(and(eq(invoices.orderId, orderId), eq(invoices.party, 'buyer')))
    .get();
}

/** Conditional: only an order not funded yet gets its date. */
export function markFunded(db: DbOrTx, orderId: string, atIso: string): void {
  db.update(orders)
    .set({ fundedAt: atIso })
    .where(and(eq(orders.id, orderId), sql`${orders.fundedAt} IS NULL`))
    .run();
}
