import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { enqueueToOrganisation } from '../notifications/outbox.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';
import { designatedPrescribersWithHeldCount } from './end-of-validity.repository.ts';

/**
 * The J-15 blocking approved (issue 18): every designated prescriber is told, by mail in the same
 * transaction, to stop handing out the order's booklets and to return those it holds. The stock
 * page says the same (end-of-validity.stock.ts).
 */
export function notifyPrescribersOfBlocking(tx: DbOrTx, clock: Clock, order: OrderRow, buyerName: string): void {
  for (const p of designatedPrescribersWithHeldCount(tx, order.id)) {
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
