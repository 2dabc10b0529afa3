/**
 * Reads and writes of the booklets' custody: which booklets an organisation holds for an order, and
 * the movements that record every change of hands. Booklet status writes are the booklets module's
 * (booklets/booklet-status.repository.ts); the lists shown in pages are in distribution.repository.ts.
 */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { booklets, type BookletStatus } from '../../../db/schema/booklets.ts';
import { bookletMovementItems, bookletMovements } from '../../../db/schema/distribution.ts';
import { orders, type OrderRow } from '../../../db/schema/orders.ts';

type BookletRow = typeof booklets.$inferSelect;

/** Not scoped: callers check the actor's right on the order (its buyer, a designated prescriber). */
export function orderById(db: DbOrTx, orderId: string): OrderRow | undefined {
  return db.select().from(orders).where(eq(orders.id, orderId)).get();
}

/** Not scoped: callers check that the actor holds, bought or may see the booklet. */
export function bookletBySerial(db: DbOrTx, serial: string): BookletRow | undefined {
  return db.select().from(booklets).where(eq(booklets.serial, serial)).get();
}

/** The booklets with these serials (one slice, within SQLite's bound-parameter limit). */
export function bookletsWithSerials(db: DbOrTx, serials: readonly string[]): BookletRow[] {
  return db.select().from(booklets).where(inArray(booklets.serial, [...serials])).all();
}

/**
 * The booklets of an order that an organisation holds in one status, by position: lowest serials
 * first, or highest first (a return by count keeps what stays one run of numbers); at most `limit`.
 */
export function heldBooklets(
  db: DbOrTx,
  input: { orderId: string; holderId: string; status: BookletStatus; first: 'lowest' | 'highest'; limit?: number },
): { id: string; serial: string }[] {
  const query = db
    .select({ id: booklets.id, serial: booklets.serial })
    .from(booklets)
    .where(and(eq(booklets.orderId, input.orderId), eq(booklets.holderId, input.holderId), eq(booklets.status, input.status)))
    .orderBy(input.first === 'lowest' ? asc(booklets.position) : desc(booklets.position));
  return input.limit === undefined ? query.all() : query.limit(input.limit).all();
}

/** A movement's header row; returns its id for its items. */
export function insertMovement(tx: Tx, row: Omit<typeof bookletMovements.$inferInsert, 'id'>): number {
  return tx.insert(bookletMovements).values(row).returning({ id: bookletMovements.id }).get().id;
}

/** The exact booklets of a movement (one slice, within SQLite's bound-parameter limit). */
export function insertMovementItems(tx: Tx, movementId: number, bookletIds: readonly string[]): void {
  tx.insert(bookletMovementItems)
    .values(bookletIds.map((bookletId) => ({ movementId, bookletId })))
    .run();
}
