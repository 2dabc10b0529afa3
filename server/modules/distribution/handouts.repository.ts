/** Hand-outs to beneficiaries: the distributions table, and what the hand-out form reads of a booklet. */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { distributions } from '../../../db/schema/distribution.ts';
import { orders } from '../../../db/schema/orders.ts';

/** The day the booklet was handed out, if it was. */
export function handOutDateOf(db: DbOrTx, bookletId: string): string | undefined {
  return db.select({ on: distributions.distributedOn }).from(distributions).where(eq(distributions.bookletId, bookletId)).get()?.on;
}

export function insertDistribution(tx: Tx, row: typeof distributions.$inferInsert): void {
  tx.insert(distributions).values(row).run();
}

/** Who bought and holds the booklet with this serial, and its order's territory. Not scoped: the caller checks the actor. */
export function bookletTerritoryRow(db: DbOrTx, serial: string) {
  return db
    .select({ buyerId: booklets.buyerId, holderId: booklets.holderId, territory: orders.territory })
    .from(booklets)
    .innerJoin(orders, eq(orders.id, booklets.orderId))
    .where(eq(booklets.serial, serial))
    .get();
}

/** A hand-out the prescriber recorded, for the confirmation after the form: scoped to that prescriber. */
export function handOutOfPrescriber(db: DbOrTx, prescriberId: string, distributionId: string) {
  return db
    .select({ communeCode: distributions.communeCode, serial: booklets.serial, passCount: booklets.passCount, fundedAt: orders.fundedAt })
    .from(distributions)
    .innerJoin(booklets, eq(booklets.id, distributions.bookletId))
    .innerJoin(orders, eq(orders.id, distributions.orderId))
    .where(and(eq(distributions.id, distributionId), eq(distributions.prescriberId, prescriberId)))
    .get();
}
