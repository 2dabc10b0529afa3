import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { invoices, orders, type OrderRow } from '../../../db/schema/orders.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { inParisMonth, orderByFor, searchCondition } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { countOrdersWhere, pageOfOrdersWhere } from '../order-records/order-list.repository.ts';

export const ORDER_SORTS = {
  date: orders.createdAt,
  reference: orders.reference,
  commanditaire: organisations.name,
  total: orders.totalCents,
  carnets: orders.bookletCount,
} as const;
export type OrderSort = keyof typeof ORDER_SORTS;

export interface OrderCriteria {
  q: string;
  status?: OrderRow['status'];
  /** Paris month of submission, "2026-11". */
  month?: string;
  funded?: boolean;
}

/** A buyer sees its own orders, the operator every order: the search never widens that scope. */
function where(actor: Actor, criteria: OrderCriteria): SQL | undefined {
  return and(
    isOperator(actor) ? undefined : eq(orders.buyerId, actor.organisationId),
    criteria.status ? eq(orders.status, criteria.status) : undefined,
    criteria.month ? inParisMonth(orders.createdAt, criteria.month) : undefined,
    criteria.funded === undefined ? undefined : criteria.funded ? sql`${orders.fundedAt} IS NOT NULL` : sql`${orders.fundedAt} IS NULL`,
    searchCondition(criteria.q, [orders.reference, organisations.name]),
  );
}

export function countOrders(db: DbOrTx, actor: Actor, criteria: OrderCriteria): number {
  return countOrdersWhere(db, where(actor, criteria));
}

export function searchOrders(db: DbOrTx, actor: Actor, criteria: OrderCriteria, sort: { key: OrderSort; dir: SortDirection }, window: ListWindow) {
  return pageOfOrdersWhere(db, { where: where(actor, criteria), orderBy: orderByFor(ORDER_SORTS, sort, orders.id), window });
}

/** Keyset page of the orders the actor may see, newest first (the API's cursor list). */
export function listOrdersFor(db: DbOrTx, actor: Actor, page: { limit: number; after?: { createdAt: string; id: string }; status?: OrderRow['status'] }) {
  const scope = isOperator(actor) ? undefined : eq(orders.buyerId, actor.organisationId);
  const after = page.after ? sql`(${orders.createdAt}, ${orders.id}) < (${page.after.createdAt}, ${page.after.id})` : undefined;
  return db
    .select({ order: orders, buyerName: organisations.name })
    .from(orders)
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .where(and(scope, after, page.status ? eq(orders.status, page.status) : undefined))
    .orderBy(sql`${orders.createdAt} DESC, ${orders.id} DESC`)
    .limit(page.limit + 1)
    .all();
}

export function insertOrder(tx: DbOrTx, row: OrderRow): void {
  tx.insert(orders).values(row).run();
}

export type NewInvoiceRow = typeof invoices.$inferInsert;

/** The invoices an approval raises (buyer share, State share); they move to finance with issue #11's step 3. */
export function insertInvoice(tx: DbOrTx, row: NewInvoiceRow): void {
  tx.insert(invoices).values(row).run();
}

/**
 * Moves a submitted order to another status. The status condition is in the UPDATE itself, so two
 * concurrent approvals (or an approval and a cancellation) change it once: false when it was no longer submitted.
 */
export function leaveSubmitted(
  tx: DbOrTx,
  orderId: string,
  change: { status: 'approved'; approvedAt: string; approvedByUserId: string } | { status: 'cancelled'; cancelledAt: string },
): boolean {
  return tx.update(orders).set(change).where(and(eq(orders.id, orderId), eq(orders.status, 'submitted'))).run().changes === 1;
}

export function setMandateNumber(tx: DbOrTx, orderId: string, mandateNumber: string): void {
  tx.update(orders).set({ mandateNumber }).where(eq(orders.id, orderId)).run();
}
