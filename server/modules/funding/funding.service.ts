/**
 * The funding gate of an order (domain rule 3), on its own below orders and finance: a payment
 * recorded by finance, or a mandate number recorded on the order, may open it, and neither of those
 * modules needs the other to do so.
 */
import type { Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { activateDistributedPasses } from '../distribution/activation.ts';
import { notifyOrderEvent } from '../notifications/order-notices.ts';
import { findOrderById } from '../order-records/order-records.repository.ts';
import { findBuyerInvoice, findBuyerOf, markFunded } from './funding.repository.ts';

export const isPublicBuyer = (buyerType: string | null) => buyerType !== null && buyerType !== 'private';

/**
 * Opens the funding gate (domain rule 3) when its condition holds: the buyer invoice is paid in full,
 * or a mandate number is recorded for a public buyer. Called in the transaction that changed either.
 * Returns true when the gate opened now.
 */
export function refreshFunding(tx: Tx, clock: Clock, orderId: string): boolean {
  const order = findOrderById(tx, orderId)!;
  if (order.fundedAt || order.status !== 'approved') return false;
  const buyer = findBuyerOf(tx, order);
  const buyerInvoice = findBuyerInvoice(tx, orderId);
  const paid = !buyerInvoice || buyerInvoice.paidCents === buyerInvoice.totalCents;
  const mandated = order.mandateNumber !== null && isPublicBuyer(buyer.buyerType);
  if (!paid && !mandated) return false;
  markFunded(tx, orderId, clock.now().toISOString());
  recordAudit(tx, clock, null, 'order.funded', { type: 'order', id: orderId }, { by: paid ? 'payment' : 'mandate' });
  notifyOrderEvent({ tx, clock, orderId, event: 'funded' });
  // A booklet handed out before the money arrived gets its passes activated now (domain rule 3).
  activateDistributedPasses(tx, clock, orderId);
  return true;
}
