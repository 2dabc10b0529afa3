/**
 * What the dashboards count. Each query is scoped as its caller says: the operator's figures cover
 * everything, a buyer's rows are its own orders, a prescriber's its own distributions.
 */
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { booklets, type BookletStatus } from '../../../db/schema/booklets.ts';
import { distributions } from '../../../db/schema/distribution.ts';
import { orders, type OrderRow } from '../../../db/schema/orders.ts';

/** Every organisation: the operator's count. */
export function countOrganisations(db: DbOrTx): number {
  return db.select({ n: count() }).from(organisations).get()!.n;
}

/** The buyer's approved orders. */
export function approvedOrdersOfBuyer(db: DbOrTx, buyerId: string): { id: string; reference: string; validUntil: string; bookletCount: number }[] {
  return db
    .select({ id: orders.id, reference: orders.reference, validUntil: orders.validUntil, bookletCount: orders.bookletCount })
    .from(orders)
    .where(and(eq(orders.buyerId, buyerId), eq(orders.status, 'approved')))
    .all();
}

/** How many booklets of each of these orders are in one of `statuses` (orders with none are absent). */
export function bookletCountsByOrder(db: DbOrTx, orderIds: string[], statuses: readonly BookletStatus[]): Map<string, number> {
  if (orderIds.length === 0) return new Map();
  return new Map(
    db
      .select({ orderId: booklets.orderId, n: count() })
      .from(booklets)
      .where(and(inArray(booklets.orderId, orderIds), inArray(booklets.status, [...statuses])))
      .groupBy(booklets.orderId)
      .all()
      .map((r) => [r.orderId, r.n]),
  );
}

/** The prescriber's hand-outs counted by day (`YYYY-MM-DD`, Paris). */
export function distributionsByDayOfPrescriber(db: DbOrTx, prescriberId: string): { month: string; n: number }[] {
  return db
    .select({ month: distributions.distributedOn, n: count() })
    .from(distributions)
    .where(eq(distributions.prescriberId, prescriberId))
    .groupBy(distributions.distributedOn)
    .all();
}

/** The buyer's approved orders whose validity ends on or before `lastDay`. */
export function approvedOrdersEndingBy(db: DbOrTx, buyerId: string, lastDay: string): OrderRow[] {
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.buyerId, buyerId), eq(orders.status, 'approved'), sql`${orders.validUntil} <= ${lastDay}`))
    .all();
}

/** An order's booklets counted by status (statuses with none are absent). */
export function bookletCountsByStatusOf(db: DbOrTx, orderId: string): Map<string, number> {
  return new Map(
    db
      .all<{ status: string; n: number }>(sql`SELECT status, COUNT(*) AS n FROM booklets WHERE order_id = ${orderId} GROUP BY status`)
      .map((r) => [r.status, Number(r.n)]),
  );
}

/** The operator's key figures that the ledger's balances do not give. */
export function operatorCounts(db: DbOrTx) {
  const one = (query: ReturnType<typeof sql>) => Number(db.get<{ v: number | null }>(query)?.v ?? 0);
  const payables = db.all<{ v: number }>(sql`SELECT debit_total_cents - credit_total_cents AS v FROM ledger_accounts WHERE code LIKE 'place:%'`);
  return {
    ordersToApprove: one(sql`SELECT COUNT(*) AS v FROM orders WHERE status = 'submitted'`),
    invoicesDueCents: one(sql`SELECT SUM(total_cents - paid_cents) AS v FROM invoices`),
    placePayablesCents: -payables.reduce((sum, r) => sum + Number(r.v), 0),
    lastBatch: db.get<{ id: string; period: string; status: string; total_cents: number }>(
      sql`SELECT id, period, status, total_cents FROM reimbursement_batches ORDER BY period DESC LIMIT 1`,
    ),
  };
}
