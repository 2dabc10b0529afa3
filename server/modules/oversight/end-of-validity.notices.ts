import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { enqueueToOrganisation } from '../notifications/outbox.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';

/** Prescribers designated on the order (not revoked), with the booklets of it each still holds. */
function designatedPrescribers(db: DbOrTx, orderId: string): { prescriberId: string; held: number }[] {
  return db.all(sql`
    SELECT d.prescriber_id AS prescriberId,
           (SELECT count(*) FROM booklets b WHERE b.order_id = d.order_id AND b.holder_id = d.prescriber_id AND b.status = 'allotted') AS held
      FROM prescriber_designations d
     WHERE d.order_id = ${orderId} AND d.revoked_at IS NULL`);
}

/**
 * The J-15 blocking approved (issue 18): every designated prescriber is told, by mail in the same
 * transaction, to stop handing out the order's booklets and to return those it holds. The stock
 * page says the same (end-of-validity.stock.ts).
 */
export function notifyPrescribersOfBlocking(tx: DbOrTx, clock: Clock, order: OrderRow, buyerName: string): void {
  for (const p of designatedPrescribers(tx, order.id)) {
    enqueueToOrganisation({
      tx,
      clock,
      template: 'end_of_validity_blocked',
      organisationId: p.prescriberId,
      roles: ['admin', 'agent'],
      data: { buyerName, reference: order.reference, validUntil: order.validUntil, held: p.held },
    });
  }
}
