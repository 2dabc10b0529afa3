/** The documents a period's Factur-X archive holds (facturx-archive.ts), and each one with its order and buyer. */
import { asc, between, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { invoices, orders } from '../../../db/schema/orders.ts';

/** Invoices (calls for funds included) issued between two Paris dates, inclusive, by number. */
export function invoicesIssuedBetween(db: DbOrTx, period: { from: string; to: string }): { id: string; number: string; issuedOn: string }[] {
  return db
    .select({ id: invoices.id, number: invoices.number, issuedOn: invoices.issuedOn })
    .from(invoices)
    .where(between(invoices.issuedOn, period.from, period.to))
    .orderBy(asc(invoices.number))
    .all();
}

/** Credit notes issued between two Paris dates, inclusive, by number. */
export function creditNotesIssuedBetween(db: DbOrTx, period: { from: string; to: string }): { id: string; number: string; issuedOn: string }[] {
  return db
    .select({ id: creditNotes.id, number: creditNotes.number, issuedOn: creditNotes.issuedOn })
    .from(creditNotes)
    .where(between(creditNotes.issuedOn, period.from, period.to))
    .orderBy(asc(creditNotes.number))
    .all();
}

/** An invoice with its order and buyer, as the invoice PDF needs them. */
export function invoiceWithOrderAndBuyer(db: DbOrTx, invoiceId: string) {
  return db
    .select({ invoice: invoices, order: orders, buyer: organisations })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(organisations, eq(organisations.id, invoices.buyerId))
    .where(eq(invoices.id, invoiceId))
    .get();
}

/** A credit note with its order and buyer, as the credit-note PDF needs them. */
export function creditNoteWithOrderAndBuyer(db: DbOrTx, creditNoteId: string) {
  return db
    .select({ note: creditNotes, order: orders, buyer: organisations })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .innerJoin(organisations, eq(organisations.id, creditNotes.buyerId))
    .where(eq(creditNotes.id, creditNoteId))
    .get();
}
