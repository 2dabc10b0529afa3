import type { OrderRow } from '../../../db/schema/orders.ts';

/** An order with what the views need: its buyer's name and whether the funding gate is open. */
export function orderToView(order: OrderRow, buyerName: string) {
  return {
    id: order.id,
    reference: order.reference,
    buyerId: order.buyerId,
    buyerName,
    status: order.status,
    funded: order.fundedAt !== null,
    fundedAt: order.fundedAt,
    bookletCount: order.bookletCount,
    passesPerBooklet: order.passesPerBooklet,
    faceValueCents: order.faceValueCents,
    validFrom: order.validFrom,
    validUntil: order.validUntil,
    publics: order.publics ?? null,
    territory: order.territory ?? null,
    cofinancingProgramId: order.programId,
    totalCents: order.totalCents,
    stateShareCents: order.stateShareCents,
    buyerShareCents: order.buyerShareCents,
    feeCents: order.feeCents,
    vatCents: order.vatCents,
    chorusServiceCode: order.chorusServiceCode,
    engagementNumber: order.engagementNumber,
    mandateNumber: order.mandateNumber,
    paymentArrangement: order.paymentArrangement ?? null,
    submittedAt: order.submittedAt,
    approvedAt: order.approvedAt,
    cancelledAt: order.cancelledAt,
    allowedServices: order.allowedServices ?? null,
  };
}
