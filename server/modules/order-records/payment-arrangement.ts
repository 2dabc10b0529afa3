import type { PaymentArrangementColumn, PaymentArrangementKind } from '../../../db/schema/orders.ts';
import { formatFrenchDate } from '../../shared/paris-time.ts';

/**
 * How a public buyer pays the operator, in its accountant's words. A local authority either signs a
 * mandate agreement with the operator (« convention de mandat », CGCT art. L1611-7-1) or pays through
 * a régie d'avances; the accountant checks the act and its date against the invoice.
 */
export const PAYMENT_ARRANGEMENT_LABELS: Record<PaymentArrangementKind, string> = {
  mandate_agreement: 'Convention de mandat',
  advance_account: 'Régie d’avances',
};

/** "Convention de mandat n° CM-2026-04 du 1er mars 2026": the line printed on invoices and shown on the order. */
export function describePaymentArrangement(arrangement: PaymentArrangementColumn): string {
  return `${PAYMENT_ARRANGEMENT_LABELS[arrangement.kind]} n° ${arrangement.reference} du ${formatFrenchDate(arrangement.date)}`;
}
