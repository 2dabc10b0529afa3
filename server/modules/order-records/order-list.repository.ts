/**
 * The one query behind every searchable list of orders (the orders page, the distribution page):
 * orders joined to their buyer, so that a search can match the buyer's name and a sort can use it.
 * Each list brings its condition (which always scopes to the actor's organisation), its order and
 * any per-order counts it shows; this file owns the join, the count and the page window.
 */
import { eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { orders, type OrderRow } from '../../../db/schema/orders.ts';
import type { ListWindow } from '../../shared/list-query.ts';
import { countMatching, readWindow } from '../../shared/list-sql.repository.ts';

/** The orders matching `where`, each with its buyer's name and the per-order `counts` asked for. */
const matchingOrders = (db: DbOrTx, where: SQL | undefined, counts: Record<string, SQL<number>> = {}) =>
  db
    .select({ order: orders, buyerName: organisations.name, ...counts })
    .from(orders)
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .where(where)
    .$dynamic();

export function countOrdersWhere(db: DbOrTx, where: SQL | undefined): number {
  return countMatching(db, matchingOrders(db, where));
}

export type OrderListRow<K extends string> = { order: OrderRow; buyerName: string } & Record<K, number>;

/**
 * One page of the orders matching `where`, in `orderBy` (which ends on a unique key), each with its
 * buyer's name and the `counts` asked for (correlated sub-queries on the order).
 */
export function pageOfOrdersWhere<K extends string = never>(
  db: DbOrTx,
  query: { where: SQL | undefined; orderBy: SQL; window: ListWindow; counts?: Record<K, SQL<number>> },
): OrderListRow<K>[] {
  const rows = readWindow(matchingOrders(db, query.where, query.counts), query.orderBy, query.window);
  // drizzle cannot carry the generic keys K through the spread into its result type: the rows hold them.
  return rows as OrderListRow<K>[];
}
