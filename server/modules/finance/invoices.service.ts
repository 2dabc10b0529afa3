import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { invoices, orders, payments } from '../../../db/schema/orders.ts';
import type { Clock } from '../../shared/clock.ts';
import { invoiceNotFound, paymentExceedsBalance } from './invoices.errors.ts';
import { newId } from '../../shared/secrets.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { refreshFunding } from '../funding/funding.service.ts';
import { assertNotInFuture } from './finance-dates.ts';
import { postEntry } from './ledger.ts';

export type InvoiceRow = typeof invoices.$inferSelect;

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

/**
 * Invoices the actor may see: the operator sees all; a buyer sees its own invoices (not the State's
 * claims on the programme, which are between the operator and the State).
 */
function scopeFor(actor: Actor) {
  return isOperator(actor) ? undefined : and(eq(invoices.buyerId, actor.organisationId), eq(invoices.party, 'buyer'));
}

export function listInvoices(db: DbOrTx, actor: Actor, filter: { orderId?: string; limit: number; afterNumber?: string }) {
  return db
    .select({ invoice: invoices, orderReference: orders.reference, buyerType: organisations.buyerType })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(organisations, eq(organisations.id, invoices.buyerId))
    .where(
      and(
        scopeFor(actor),
        filter.orderId ? eq(invoices.orderId, filter.orderId) : undefined,
        filter.afterNumber ? sql`${invoices.number} > ${filter.afterNumber}` : undefined,
      ),
    )
    .orderBy(asc(invoices.number))
    .limit(filter.limit + 1)
    .all();
}

export function findInvoiceFor(db: DbOrTx, actor: Actor, invoiceId: string) {
  return db
    .select({ invoice: invoices, order: orders, buyer: organisations })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(organisations, eq(organisations.id, invoices.buyerId))
    .where(and(eq(invoices.id, invoiceId), scopeFor(actor)))
    .get();
}

export function listPayments(db: DbOrTx, actor: Actor, invoiceId: string) {
  if (!findInvoiceFor(db, actor, invoiceId)) throw invoiceNotFound();
  return db.select().from(payments).where(eq(payments.invoiceId, invoiceId)).orderBy(asc(payments.receivedOn), asc(payments.createdAt)).all();
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
  const updated = tx
    .update(invoices)
    .set({ paidCents: sql`${invoices.paidCents} + ${input.amountCents}` })
    .where(and(eq(invoices.id, invoice.id), sql`${invoices.paidCents} + ${input.amountCents} <= ${invoices.totalCents}`))
    .run();
  if (updated.changes !== 1) {
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
  tx.insert(payments).values(row).run();
  recordAudit(tx, clock, actor, 'payment.recorded', { type: 'invoice', id: invoice.id }, { amountCents: input.amountCents, reference: input.reference });
  refreshFunding(tx, clock, order.id);
  return row;
}
