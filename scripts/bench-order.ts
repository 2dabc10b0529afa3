import type { OrderRow } from '../server/modules/orders/orders.service.ts';

/**
 * An approved, funded order of 10-pass booklets at 10 € with no co-financing, no fee and no VAT, as
 * the benchmarks seed it straight into the database (they measure what comes after approval).
 */
export function approvedBenchOrder(o: {
  id: string;
  reference: string;
  buyerId: string;
  bookletCount: number;
  validFrom: string;
  validUntil: string;
  territory: OrderRow['territory'];
  /** Submission, funding and approval all at this instant. */
  at: string;
  byUserId: string | null;
}): OrderRow {
  const totalCents = o.bookletCount * 10 * 1000;
  return {
    id: o.id,
    reference: o.reference,
    buyerId: o.buyerId,
    status: 'approved',
    bookletCount: o.bookletCount,
    passesPerBooklet: 10,
    faceValueCents: 1000,
    validFrom: o.validFrom,
    validUntil: o.validUntil,
    publics: null,
    territory: o.territory,
    programId: null,
    totalCents,
    stateShareCents: 0,
    buyerShareCents: totalCents,
    feeBasisPoints: 0,
    feeCents: 0,
    vatCents: 0,
    chorusServiceCode: null,
    engagementNumber: null,
    mandateNumber: null,
    fundedAt: o.at,
    submittedAt: o.at,
    submittedByUserId: o.byUserId,
    approvedAt: o.at,
    approvedByUserId: o.byUserId,
    cancelledAt: null,
    createdAt: o.at,
    allowedServices: null,
    paymentArrangement: null,
  };
}
