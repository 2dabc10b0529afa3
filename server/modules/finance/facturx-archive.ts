import { asc, between, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { invoices, orders } from '../../../db/schema/orders.ts';
import { renderInvoicePdf } from '../../../templates/pdf/invoice.ts';
import { parisMonthRange, parisDate } from '../../shared/paris-time.ts';
import { calendarDate } from '../../shared/schemas.ts';
import { creditNoteDocument, invoiceDocument } from './invoice-print.ts';

/**
 * A period's Factur-X files in one ZIP, each named by its number (FAC-….pdf, AV-….pdf), for the
 * deposits on Chorus Pro. The period is a month or two Europe/Paris dates (issue dates are Paris
 * days); the PDFs are the very ones the document routes send.
 */
export const archivePeriod = z
  .union([
    z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM') }),
    z.object({ from: calendarDate, to: calendarDate }),
  ])
  .transform((p) => ('month' in p ? monthBounds(p.month) : { from: p.from, to: p.to }))
  .refine((p) => p.from <= p.to, { message: 'la date de fin précède la date de début', path: ['to'] })
  .refine((p) => p.to <= addYear(p.from), { message: 'une période d’un an au plus', path: ['to'] });

function monthBounds(month: string) {
  const { start, end } = parisMonthRange(month);
  return { from: parisDate(start), to: parisDate(new Date(end.getTime() - 1)) };
}
const addYear = (date: string) => `${Number(date.slice(0, 4)) + 1}${date.slice(4)}`;

export interface ArchivedDocument {
  type: 'invoice' | 'credit_note';
  id: string;
  number: string;
  issuedOn: string;
}

/** Invoices (calls for funds included) then credit notes issued in the period, by number. */
export function documentsOfPeriod(db: DbOrTx, period: { from: string; to: string }): ArchivedDocument[] {
  const bills = db
    .select({ id: invoices.id, number: invoices.number, issuedOn: invoices.issuedOn })
    .from(invoices)
    .where(between(invoices.issuedOn, period.from, period.to))
    .orderBy(asc(invoices.number))
    .all();
  const notes = db
    .select({ id: creditNotes.id, number: creditNotes.number, issuedOn: creditNotes.issuedOn })
    .from(creditNotes)
    .where(between(creditNotes.issuedOn, period.from, period.to))
    .orderBy(asc(creditNotes.number))
    .all();
  return [...bills.map((b) => ({ type: 'invoice' as const, ...b })), ...notes.map((n) => ({ type: 'credit_note' as const, ...n }))];
}

/** The document's Factur-X PDF, as GET /api/v1/invoices/{id}.pdf or /credit-notes/{id}.pdf gives it. */
export async function renderArchivedDocument(db: DbOrTx, document: ArchivedDocument, options: { operatorIban: string }): Promise<Buffer> {
  if (document.type === 'invoice') {
    const found = db
      .select({ invoice: invoices, order: orders, buyer: organisations })
      .from(invoices)
      .innerJoin(orders, eq(orders.id, invoices.orderId))
      .innerJoin(organisations, eq(organisations.id, invoices.buyerId))
      .where(eq(invoices.id, document.id))
      .get();
    if (!found) throw new Error(`facture ${document.number} introuvable`);
    return renderInvoicePdf(invoiceDocument(db, found, options));
  }
  const found = db
    .select({ note: creditNotes, order: orders, buyer: organisations })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .innerJoin(organisations, eq(organisations.id, creditNotes.buyerId))
    .where(eq(creditNotes.id, document.id))
    .get();
  if (!found) throw new Error(`avoir ${document.number} introuvable`);
  return renderInvoicePdf(creditNoteDocument(db, found));
}

export const archiveFileName = (period: { from: string; to: string }) => `factur-x_${period.from}_${period.to}.zip`;
