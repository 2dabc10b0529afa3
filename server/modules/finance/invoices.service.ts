import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { invoiceNotFound, paymentExceedsBalance } from './invoices.errors.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { refreshFunding } from '../funding/funding.service.ts';
import { assertNotInFuture } from './finance-dates.ts';
import { postEntry } from './ledger.ts';
import { addToPaidIfWithinTotal, findInvoiceFor, insertPayment, paymentsOfInvoice, type InvoiceRow } from './invoices.repository.ts';

// The invoice reads callers know from here (pages, Chorus Pro, orders): their queries live in the repository.
export { findInvoiceFor, listInvoices, type InvoiceRow } from './invoices.repository.ts';

export function invoiceStatus(invoice: Pick<InvoiceRow, 'paidCents' | 'totalCents'>): 'unpaid' | 'partially_paid' | 'paid' {
  if (invoice.paidCents === 0) return 'unpaid';
  return invoice.paidCents < invoice.totalCents ? 'partially_paid' : 'paid';
}

export function invoiceToView(invoice: InvoiceRow, orderReference: string) {
  return {
    id: invoice.id,
    number: invoice.number,
    orderId: invoice.orderId,
    orderReference,
    party: invoice.party,
    buyerId: invoice.buyerId,
    programId: invoice.programId,
    passValueCents: invoice.passValueCents,
    feeCents: invoice.feeCents,
    vatCents: invoice.vatCents,
    totalCents: invoice.totalCents,
    paidCents: invoice.paidCents,
    status: invoiceStatus(invoice),
    issuedOn: invoice.issuedOn,
    dueOn: invoice.dueOn,
  };
}

export function listPayments(db: DbOrTx, actor: Actor, invoiceId: string) {
  if (!findInvoiceFor(db, actor, invoiceId)) throw invoiceNotFound();
  return paymentsOfInvoice(db, invoiceId);
}

/**
 * Records money received against an invoice: never more than what remains due (one conditional
 * UPDATE decides, so two concurrent payments cannot overpay), a journal entry bank / receivable,
 * and the funding gate re-checked.
 */
export function recordPayment(deps: {
  db: Db;
  clock: Clock;
  actor: Actor;
  input: PaymentInput;
}) {
  const { db, clock, actor, input } = deps;
  return db.transaction((tx) => recordPaymentInTx(tx, clock, actor, input), { behavior: 'immediate' });
}

export type PaymentInput = { invoiceId: string; amountCents: number; receivedOn: string; reference: string };

/** recordPayment inside the caller's immediate transaction (a bank statement import records several). */
export function recordPaymentInTx(tx: Tx, clock: Clock, actor: Actor, input: PaymentInput) {
  assertNotInFuture(clock, input.receivedOn, 'receivedOn', 'La date de réception du paiement');
  const found = findInvoiceFor(tx, actor, input.invoiceId);
  if (!found) throw invoiceNotFound();
  const { invoice, order } = found;
  if (!addToPaidIfWithinTotal(tx, invoice.id, input.amountCents)) {
    throw paymentExceedsBalance(invoice.number, invoice.totalCents - invoice.paidCents);
  }
  const paymentId = newId();
  const account = invoice.party === 'buyer' ? `buyer:${invoice.buyerId}:receivable` : `program:${invoice.programId}:receivable`;
  const entry = postEntry(tx, clock, {
    kind: 'payment_received',
    refType: 'payment',
    refId: paymentId,
    label: `Paiement ${input.reference} — facture ${invoice.number}`,
    valueDate: input.receivedOn,
    idempotencyKey: `payment:${paymentId}`,
    lines: [
      { account: 'bank', debitCents: input.amountCents },
      { account, creditCents: input.amountCents },
    ],
  });
  const row = {
    id: paymentId,
    invoiceId: invoice.id,
    amountCents: input.amountCents,
    receivedOn: input.receivedOn,
    reference: input.reference,
    recordedByUserId: actor.userId,
    journalEntryId: entry.entryId,
    createdAt: clock.now().toISOString(),
  };
  insertPayment(tx, row);
  recordAudit(tx, clock, actor, 'payment.recorded', { type: 'invoice', id: invoice.id }, { amountCents: input.amountCents, reference: input.reference });
  refreshFunding(tx, clock, order.id);
  return row;
}
