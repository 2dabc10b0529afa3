import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { orders } from '../../../db/schema/orders.ts';

/** The public facts of a booklet: its order's validity, value and territory. No holder, no code. */
export function bookletPublicFacts(db: DbOrTx, serial: string) {
  return db
    .select({
      serial: booklets.serial,
      status: booklets.status,
      passCount: booklets.passCount,
      buyerName: organisations.name,
      faceValueCents: orders.faceValueCents,
      validFrom: orders.validFrom,
      validUntil: orders.validUntil,
      territory: orders.territory,
    })
    .from(booklets)
    .innerJoin(orders, eq(orders.id, booklets.orderId))
    .innerJoin(organisations, eq(organisations.id, booklets.buyerId))
    .where(eq(booklets.serial, serial))
    .get();
}

/** Whose booklet it is, to send its buyer (or the operator) to the order rather than the public page. */
export function bookletHolderFacts(db: DbOrTx, serial: string) {
  return db.select({ orderId: booklets.orderId, buyerId: booklets.buyerId }).from(booklets).where(eq(booklets.serial, serial)).get();
}
