import type { Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { frenchMonth } from '../../../templates/pdf/statement.ts';
import { enqueueToOrganisation } from './outbox.ts';
import { notifyProofReady } from './lifecycle-notices.ts';
import { operatorId, orderFacts, orderHasBooklets, paidPayoutsOf, payoutFacts } from './notices.repository.ts';

/**
 * Messages of an order's and of a reimbursement's life, each called inside the transaction of its
 * event: submitted (to the operator's admins), approved, cancelled, funding open (to the buyer).
 * Batch paid goes to each paid place (its statement attached at delivery), payout rejected to the place.
 */
export type OrderEvent = 'submitted' | 'approved' | 'cancelled' | 'funded';

export function notifyOrderEvent({ tx, clock, orderId, event }: { tx: Tx; clock: Clock; orderId: string; event: OrderEvent }): void {
  const order = orderFacts(tx, orderId);
  if (!order) return;
  const data = { orderId, reference: order.reference, buyerName: order.buyerName, totalCents: order.totalCents };
  if (event === 'submitted') {
    const operator = operatorId(tx);
    if (operator) enqueueToOrganisation({ tx, clock, template: 'order_submitted', organisationId: operator, roles: ['admin'], data });
    return;
  }
  const template = ({ approved: 'order_approved', cancelled: 'order_cancelled', funded: 'funding_open' } as const)[event];
  enqueueToOrganisation({ tx, clock, template, organisationId: order.buyerId, roles: ['admin', 'agent'], data });
  // Booklets issued with the approval: their first proof is there for the buyer to check. A large
  // order's booklets come from a job, whose last chunk tells the buyer instead (approval.job.ts).
  if (event === 'approved' && orderHasBooklets(tx, orderId)) notifyProofReady({ tx, clock, orderId });
}

export function notifyBatchPaid({ tx, clock, batchId, paidOn }: { tx: Tx; clock: Clock; batchId: string; paidOn: string }): void {
  for (const payout of paidPayoutsOf(tx, batchId)) {
    enqueueToOrganisation({
      tx,
      clock,
      template: 'batch_paid',
      organisationId: payout.placeId,
      roles: ['admin'],
      data: { placeId: payout.placeId, placeName: payout.placeName, periodCode: payout.period, period: frenchMonth(payout.period), amountCents: payout.amountCents, paidOn },
    });
  }
}

export function notifyPayoutRejected({ tx, clock, payoutId, reason }: { tx: Tx; clock: Clock; payoutId: string; reason: string }): void {
  const payout = payoutFacts(tx, payoutId);
  if (!payout) return;
  enqueueToOrganisation({
    tx,
    clock,
    template: 'payout_rejected',
    organisationId: payout.placeId,
    roles: ['admin'],
    data: { placeName: payout.placeName, period: frenchMonth(payout.period), amountCents: payout.amountCents, reason },
  });
}
