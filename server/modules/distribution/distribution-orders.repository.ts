/** The distribution page's list of approved orders: search, filters, sort and counts, one query a page. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { booklets } from '../../../db/schema/booklets.ts';

type BookletStatus = (typeof booklets.$inferSelect)['status'];
import { prescriberDesignations } from '../../../db/schema/distribution.ts';
import { orders } from '../../../db/schema/orders.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { orderByFor, searchCondition } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { countOrdersWhere, pageOfOrdersWhere } from '../order-records/order-list.repository.ts';
import { HANDED_OUT_STATUSES } from './activation.ts';

export const DISTRIBUTION_ORDER_SORTS = { date: orders.createdAt, reference: orders.reference, commanditaire: organisations.name, validite: orders.validUntil } as const;
export type DistributionOrderSort = keyof typeof DISTRIBUTION_ORDER_SORTS;

export interface DistributionOrderCriteria {
  q: string;
  /** Paris date of today: `current` orders are still valid on it, `ended` ones are not. */
  today: string;
  validity?: 'current' | 'ended';
}

function where(actor: Actor, criteria: DistributionOrderCriteria) {
  return and(
    eq(orders.status, 'approved'),
    isOperator(actor) ? undefined : eq(orders.buyerId, actor.organisationId),
    criteria.validity === 'current' ? sql`${orders.validUntil} >= ${criteria.today}` : undefined,
    criteria.validity === 'ended' ? sql`${orders.validUntil} < ${criteria.today}` : undefined,
    searchCondition(criteria.q, [orders.reference, organisations.name]),
  );
}

export function countDistributionOrders(db: DbOrTx, actor: Actor, criteria: DistributionOrderCriteria): number {
  return countOrdersWhere(db, where(actor, criteria));
}

const bookletsIn = (statuses: readonly BookletStatus[]) =>
  sql<number>`(SELECT count(*) FROM ${booklets} WHERE ${booklets.orderId} = ${orders.id} AND ${inArray(booklets.status, statuses)})`;

export function searchDistributionOrders(db: DbOrTx, actor: Actor, criteria: DistributionOrderCriteria, sort: { key: DistributionOrderSort; dir: SortDirection }, window: ListWindow) {
  const counts = {
    prescribers: sql<number>`(SELECT count(*) FROM ${prescriberDesignations} WHERE ${prescriberDesignations.orderId} = ${orders.id})`,
    inStock: bookletsIn(['in_stock']),
    allotted: bookletsIn(['allotted']),
    distributed: bookletsIn(HANDED_OUT_STATUSES),
    blocked: bookletsIn(['blocked']),
  };
  return pageOfOrdersWhere(db, { where: where(actor, criteria), orderBy: orderByFor(DISTRIBUTION_ORDER_SORTS, sort, orders.id), window, counts });
}
