import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { renderInvoicePdf } from '../../../templates/pdf/invoice.ts';
import { parisMonthRange, parisDate } from '../../shared/paris-time.ts';
import { calendarDate } from '../../shared/schemas.ts';
import { creditNoteWithOrderAndBuyer, creditNotesIssuedBetween, invoiceWithOrderAndBuyer, invoicesIssuedBetween } from './facturx-archive.repository.ts';
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
  const bills = invoicesIssuedBetween(db, period);
  const notes = creditNotesIssuedBetween(db, period);
  return [...bills.map((b) => ({ type: 'invoice' as const, ...b })), ...notes.map((n) => ({ type: 'credit_note' as const, ...n }))];
}

/** The document's Factur-X PDF, as GET /api/v1/invoices/{id}.pdf or /credit-notes/{id}.pdf gives it. */
export async function renderArchivedDocument(db: DbOrTx, document: ArchivedDocument, options: { operatorIban: string }): Promise<Buffer> {
  if (document.type === 'invoice') {
    const found = invoiceWithOrderAndBuyer(db, document.id);
    if (!found) throw new Error(`facture ${document.number} introuvable`);
    return renderInvoicePdf(invoiceDocument(db, found, options));
  }
  const found = creditNoteWithOrderAndBuyer(db, document.id);
  if (!found) throw new Error(`avoir ${document.number} introuvable`);
  return renderInvoicePdf(creditNoteDocument(db, found));
}

export const archiveFileName = (period: { from: string; to: string }) => `factur-x_${period.from}_${period.to}.zip`;
