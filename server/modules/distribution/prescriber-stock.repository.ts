/**
 * The prescriber's stock list (`/mon-stock`, issue 16): the booklets it holds to hand out and the
 * ones it handed out, searched, filtered by status, sorted and paged, one query a page. Scoped to
 * the prescriber: only booklets it holds, and booklets still to hand out only for orders it is
 * still designated on (a revoked designation sends them back to the buyer's stock).
 */
import { and, eq, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { booklets, type BookletStatus } from '../../../db/schema/booklets.ts';
import { distributions, prescriberDesignations } from '../../../db/schema/distribution.ts';
import { orders } from '../../../db/schema/orders.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
import type { Actor } from '../identity/actor.ts';
import { HANDED_OUT_STATUSES } from './activation.ts';

/** The status filter's groups: what a prescriber asks ("to hand out", "handed out"), not every status. */
export const STOCK_STATUS_GROUPS = {
  a_distribuer: ['allotted'],
  remis: HANDED_OUT_STATUSES,
  bloque: ['blocked'],
  expire: ['expired'],
} as const satisfies Record<string, readonly BookletStatus[]>;
export type StockStatusGroup = keyof typeof STOCK_STATUS_GROUPS;

/**
 * Sorting "by status" puts the booklets to hand out first, then the handed-out ones, then the
 * blocked and expired; within a status, by serial. One text key so both directions stay in order.
 */
const statusThenSerial = sql`(CASE ${booklets.status} WHEN 'allotted' THEN '0' WHEN 'distributed' THEN '1' WHEN 'started' THEN '1' WHEN 'used_up' THEN '1' WHEN 'blocked' THEN '2' ELSE '3' END || ${booklets.serial})`;

export const STOCK_SORTS = { statut: statusThenSerial, numero: booklets.serial, commande: orders.reference, validite: orders.validUntil } as const;
export type StockSort = keyof typeof STOCK_SORTS;

export interface StockCriteria {
  q: string;
  status?: StockStatusGroup;
}

/** The orders the prescriber is designated on now. */
const designatedOrders = (db: DbOrTx, prescriberId: string) =>
  db
    .select({ id: prescriberDesignations.orderId })
    .from(prescriberDesignations)
    .where(and(eq(prescriberDesignations.prescriberId, prescriberId), isNull(prescriberDesignations.revokedAt)));

function heldByPrescriber(db: DbOrTx, actor: Actor): SQL | undefined {
  return and(
    eq(booklets.holderId, actor.organisationId),
    ne(booklets.status, 'in_stock'),
    or(ne(booklets.status, 'allotted'), inArray(booklets.orderId, designatedOrders(db, actor.organisationId))),
  );
}

function where(db: DbOrTx, actor: Actor, criteria: StockCriteria): SQL | undefined {
  return and(
    heldByPrescriber(db, actor),
    criteria.status ? inArray(booklets.status, [...STOCK_STATUS_GROUPS[criteria.status]]) : undefined,
    searchCondition(criteria.q, [booklets.serial, orders.reference, organisations.name]),
  );
}

/** The booklets matching, each with its order, buyer and hand-out date (a booklet is handed out once). */
const matchingStock = (db: DbOrTx, actor: Actor, criteria: StockCriteria) =>
  db
    .select({
      id: booklets.id,
      serial: booklets.serial,
      status: booklets.status,
      passCount: booklets.passCount,
      orderId: booklets.orderId,
      orderReference: orders.reference,
      buyerName: organisations.name,
      validFrom: orders.validFrom,
      validUntil: orders.validUntil,
      distributedOn: distributions.distributedOn,
    })
    .from(booklets)
    .innerJoin(orders, eq(orders.id, booklets.orderId))
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .leftJoin(distributions, eq(distributions.bookletId, booklets.id))
    .where(where(db, actor, criteria))
    .$dynamic();

export function countPrescriberStock(db: DbOrTx, actor: Actor, criteria: StockCriteria): number {
  return countMatching(db, matchingStock(db, actor, criteria));
}

export function searchPrescriberStock(db: DbOrTx, actor: Actor, criteria: StockCriteria, sort: { key: StockSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingStock(db, actor, criteria), orderByFor(STOCK_SORTS, sort, booklets.serial), window);
}

export type PrescriberStockRow = ReturnType<typeof searchPrescriberStock>[number];

/**
 * Every booklet the prescriber still holds to hand out, serial and order only: what the J-15
 * notices count and list (oversight/end-of-validity.stock.ts), whatever page the list shows.
 */
export function bookletsToHandOut(db: DbOrTx, actor: Actor): { serial: string; orderId: string }[] {
  return db
    .select({ serial: booklets.serial, orderId: booklets.orderId })
    .from(booklets)
    .where(and(heldByPrescriber(db, actor), eq(booklets.status, 'allotted')))
    .all();
}
