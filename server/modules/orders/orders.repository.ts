import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { orders, type OrderRow } from '../../../db/schema/orders.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { inParisMonth, orderByFor, searchCondition } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';

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
  const row = db
    .select({ n: count() })
    .from(orders)
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .where(where(actor, criteria))
    .get();
  return row?.n ?? 0;
}

export function searchOrders(db: DbOrTx, actor: Actor, criteria: OrderCriteria, sort: { key: OrderSort; dir: SortDirection }, window: ListWindow) {
  return db
    .select({ order: orders, buyerName: organisations.name })
    .from(orders)
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .where(where(actor, criteria))
    .orderBy(orderByFor(ORDER_SORTS, sort, orders.id))
    .limit(window.limit)
    .offset(window.offset)
    .all();
}
