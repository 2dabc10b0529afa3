import type { DbOrTx, Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { enqueueMessage, enqueueToOrganisation } from './outbox.ts';
import { liveDesignatedPrescribers, operatorId, orderFacts, organisationName } from './notices.repository.ts';

/**
 * Messages of the booklets' life after approval and of an order's end, each called inside the
 * transaction of its event: the proof (ready, to the buyer; accepted or rejected, to the operator's
 * admins, who have the booklets printed), booklets returned by a prescriber (to the buyer), the
 * order expired with its credit note (to the buyer's admins and finance), and repeated sign-in
 * failures (to the account's owner only).
 */
export function notifyProofReady({ tx, clock, orderId }: { tx: Tx; clock: Clock; orderId: string }): void {
  const order = orderFacts(tx, orderId);
  if (!order) return;
  enqueueToOrganisation({ tx, clock, template: 'proof_ready', organisationId: order.buyerId, roles: ['admin', 'agent'], data: { orderId, reference: order.reference } });
}

export function notifyProofDecision(args: { tx: Tx; clock: Clock; orderId: string; accepted: boolean; version?: number; comment?: string }): void {
  const { tx, clock, orderId, accepted } = args;
  const order = orderFacts(tx, orderId);
  const operator = operatorId(tx);
  if (!order || !operator) return;
  const data = { orderId, reference: order.reference, buyerName: order.buyerName, version: args.version ?? null, comment: args.comment ?? null };
  enqueueToOrganisation({ tx, clock, template: accepted ? 'proof_accepted' : 'proof_rejected', organisationId: operator, roles: ['admin'], data });
}

export function notifyBookletsReturned(args: { tx: Tx; clock: Clock; orderId: string; prescriberId: string; count: number }): void {
  const { tx, clock, orderId, prescriberId, count } = args;
  const order = orderFacts(tx, orderId);
  if (!order) return;
  const data = { reference: order.reference, prescriberName: organisationName(tx, prescriberId), count };
  enqueueToOrganisation({ tx, clock, template: 'booklets_returned', organisationId: order.buyerId, roles: ['admin', 'agent'], data });
}

export function notifyOrderExpired(args: { tx: Tx; clock: Clock; orderId: string; creditNoteNumber: string; buyerCreditCents: number; passCount: number }): void {
  const { tx, clock, orderId } = args;
  const order = orderFacts(tx, orderId);
  if (!order) return;
  const data = { orderId, reference: order.reference, creditNoteNumber: args.creditNoteNumber, buyerCreditCents: args.buyerCreditCents, passCount: args.passCount };
  enqueueToOrganisation({ tx, clock, template: 'order_expired', organisationId: order.buyerId, roles: ['admin', 'finance'], data });
}

/** J-30 and J-15: the buyer's admins and agents, and those of every prescriber still designated on the order. */
export function notifyValidityStep(args: { tx: Tx; clock: Clock; orderId: string; template: 'validity_alert' | 'validity_stop'; daysLeft: number }): number {
  const { tx, clock, orderId, template, daysLeft } = args;
  const order = orderFacts(tx, orderId);
  if (!order) return 0;
  const data = { orderId, reference: order.reference, validUntil: order.validUntil, daysLeft };
  let sent = enqueueToOrganisation({ tx, clock, template, organisationId: order.buyerId, roles: ['admin', 'agent'], data: { ...data, audience: 'buyer' } }).length;
  for (const prescriberId of liveDesignatedPrescribers(tx, orderId)) {
    sent += enqueueToOrganisation({ tx, clock, template, organisationId: prescriberId, roles: ['admin', 'agent'], data: { ...data, audience: 'prescriber' } }).length;
  }
  return sent;
}

export function notifyRepeatedLoginFailures(db: DbOrTx, clock: Clock, owner: { userId: string; organisationId: string; email: string; name: string; failures: number }): void {
  enqueueMessage({
    tx: db,
    clock,
    template: 'login_failures',
    to: { email: owner.email, userId: owner.userId, organisationId: owner.organisationId },
    data: { name: owner.name, failures: owner.failures },
  });
}
