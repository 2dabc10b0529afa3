import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { booklets, passes, printProofs, type BookletStatus, type PassStatus } from '../../../db/schema/booklets.ts';
import { orders } from '../../../db/schema/orders.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';

export type BookletRow = typeof booklets.$inferSelect;

/**
 * Booklets an actor may see: the operator sees all; the buyer sees those it bought; a prescriber
 * those it holds. Everyone else gets nothing, so callers answer 404.
 */
function visibleTo(actor: Actor) {
  if (isOperator(actor)) return undefined;
  return or(eq(booklets.buyerId, actor.organisationId), eq(booklets.holderId, actor.organisationId));
}

export function findBookletBySerial(db: DbOrTx, actor: Actor, serial: string): BookletRow | undefined {
  return db
    .select()
    .from(booklets)
    .where(and(eq(booklets.serial, serial), visibleTo(actor)))
    .get();
}

/**
 * The booklet the actor may see among `serials` (the exact serials a search may mean, see
 * serial-format.ts), optionally within one order. Through the unique index on the serial: no scan.
 */
export function findVisibleBookletAmong(db: DbOrTx, actor: Actor, serials: readonly string[], orderId?: string): BookletRow | undefined {
  if (serials.length === 0) return undefined;
  return db
    .select()
    .from(booklets)
    .where(and(inArray(booklets.serial, [...serials]), visibleTo(actor), orderId ? eq(booklets.orderId, orderId) : undefined))
    .get();
}

/** The order a booklet belongs to; unscoped, for callers that have checked the booklet's visibility. */
export function orderOfBooklet(db: DbOrTx, booklet: Pick<BookletRow, 'orderId'>): typeof orders.$inferSelect {
  return db.select().from(orders).where(eq(orders.id, booklet.orderId)).get()!;
}

/** True when the actor holds at least one booklet of the order (a prescriber sees only those). */
export function holdsBookletOf(db: DbOrTx, actor: Actor, orderId: string): boolean {
  return (
    db
      .select({ one: sql<number>`1` })
      .from(booklets)
      .where(and(eq(booklets.orderId, orderId), eq(booklets.holderId, actor.organisationId)))
      .limit(1)
      .get() !== undefined
  );
}

/** An order's booklets as its lists show them: serial, position, status and holder. */
const ORDER_BOOKLET_COLUMNS = {
  serial: booklets.serial,
  orderId: booklets.orderId,
  position: booklets.position,
  status: booklets.status,
  holderId: booklets.holderId,
  holderName: organisations.name,
  passCount: booklets.passCount,
};

const orderBookletRows = (db: DbOrTx) => db.select(ORDER_BOOKLET_COLUMNS).from(booklets).innerJoin(organisations, eq(organisations.id, booklets.holderId));

/** One page of an order's booklets in printing order; fetches limit + 1 rows to tell whether a next page exists. */
export function listOrderBooklets(
  db: DbOrTx,
  actor: Actor,
  orderId: string,
  page: { limit: number; afterPosition?: number; status?: BookletStatus },
) {
  return orderBookletRows(db)
    .where(and(orderBookletsWhere(actor, orderId, page), page.afterPosition !== undefined ? gt(booklets.position, page.afterPosition) : undefined))
    .orderBy(asc(booklets.position))
    .limit(page.limit + 1)
    .all();
}

/**
 * A batch of booklets for the print file, by position. Unscoped: the caller has already checked
 * that the actor may print the order.
 */
export function bookletBatchForPrint(db: DbOrTx, orderId: string, range: { afterPosition: number; lastPosition: number; limit: number }) {
  return db
    .select({ id: booklets.id, serial: booklets.serial, position: booklets.position })
    .from(booklets)
    .where(and(eq(booklets.orderId, orderId), gt(booklets.position, range.afterPosition), sql`${booklets.position} <= ${range.lastPosition}`))
    .orderBy(asc(booklets.position))
    .limit(range.limit)
    .all();
}

/** Codes of several booklets at once, grouped by booklet in pass order. */
export function codesOfBooklets(db: DbOrTx, bookletIds: string[]): Map<string, { code: string }[]> {
  const byBooklet = new Map<string, { code: string }[]>(bookletIds.map((id) => [id, []]));
  if (bookletIds.length === 0) return byBooklet;
  const rows = db
    .select({ bookletId: passes.bookletId, code: passes.code })
    .from(passes)
    .where(inArray(passes.bookletId, bookletIds))
    .orderBy(asc(passes.bookletId), asc(passes.position))
    .all();
  for (const row of rows) byBooklet.get(row.bookletId)?.push({ code: row.code });
  return byBooklet;
}

/** Passes of an order counted by (booklet status, pass status): one grouped query, whatever the order size. */
export function passCountsByStatus(db: DbOrTx, orderId: string): { bookletStatus: BookletStatus; passStatus: PassStatus; count: number }[] {
  return db
    .select({ bookletStatus: booklets.status, passStatus: passes.status, count: sql<number>`count(*)` })
    .from(passes)
    .innerJoin(booklets, eq(booklets.id, passes.bookletId))
    .where(eq(passes.orderId, orderId))
    .groupBy(booklets.status, passes.status)
    .all();
}

export function bookletCountsByStatus(db: DbOrTx, orderId: string): { status: BookletStatus; count: number }[] {
  return db
    .select({ status: booklets.status, count: sql<number>`count(*)` })
    .from(booklets)
    .where(eq(booklets.orderId, orderId))
    .groupBy(booklets.status)
    .all();
}

export function findPrintProof(db: DbOrTx, orderId: string) {
  return db
    .select({ orderId: printProofs.orderId, acceptedAt: printProofs.acceptedAt, acceptedByUserId: printProofs.acceptedByUserId, acceptedByName: users.name })
    .from(printProofs)
    .innerJoin(users, eq(users.id, printProofs.acceptedByUserId))
    .where(eq(printProofs.orderId, orderId))
    .get();
}

/** Records the acceptance unless one exists; true when this call recorded it. */
export function insertPrintProof(db: DbOrTx, row: typeof printProofs.$inferInsert): boolean {
  return db.insert(printProofs).values(row).onConflictDoNothing().run().changes === 1;
}

export const ORDER_BOOKLET_SORTS = { numero: booklets.position, statut: booklets.status, detenteur: organisations.name } as const;
export type OrderBookletSort = keyof typeof ORDER_BOOKLET_SORTS;

function orderBookletsWhere(actor: Actor, orderId: string, criteria: { status?: BookletStatus }) {
  return and(eq(booklets.orderId, orderId), visibleTo(actor), criteria.status ? eq(booklets.status, criteria.status) : undefined);
}

/** The booklets page of an order: a count and one page, by position unless another sort is asked. */
const matchingOrderBooklets = (db: DbOrTx, actor: Actor, orderId: string, criteria: { status?: BookletStatus }) =>
  orderBookletRows(db).where(orderBookletsWhere(actor, orderId, criteria)).$dynamic();

export function countOrderBooklets(db: DbOrTx, actor: Actor, orderId: string, criteria: { status?: BookletStatus }): number {
  return countMatching(db, matchingOrderBooklets(db, actor, orderId, criteria));
}

export function pageOfOrderBooklets(
  db: DbOrTx,
  actor: Actor,
  orderId: string,
  criteria: { status?: BookletStatus },
  sort: { key: OrderBookletSort; dir: SortDirection },
  window: ListWindow,
) {
  return readWindow(matchingOrderBooklets(db, actor, orderId, criteria), orderByFor(ORDER_BOOKLET_SORTS, sort, booklets.position), window);
}
