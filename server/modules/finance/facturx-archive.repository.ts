/**
 * The documents a period's Factur-X archive holds (facturx-archive.ts). The archive is the
 * operator's, over every organisation: no actor scope here. Each document with its order and buyer
 * is read by `invoiceWithOrderAndBuyer` and `creditNoteWithOrderAndBuyer`, beside their scoped reads.
 */
import { asc, between } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../../db/client.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { invoices } from '../../../db/schema/orders.ts';

export { creditNoteWithOrderAndBuyer } from './credit-notes.repository.ts';
export { invoiceWithOrderAndBuyer } from './invoices.repository.ts';

type Period = { from: string; to: string };
type IssuedDocument = { id: string; number: string; issuedOn: string };

/** The documents of one table (its id, number and date of issue) issued in the period, inclusive, by number. */
function issuedBetween(db: DbOrTx, table: typeof invoices | typeof creditNotes, period: Period): IssuedDocument[] {
  const columns: Record<keyof IssuedDocument, SQLiteColumn> = { id: table.id, number: table.number, issuedOn: table.issuedOn };
  return db
    .select(columns)
    .from(table)
    .where(between(columns.issuedOn, period.from, period.to))
    .orderBy(asc(columns.number))
    .all() as IssuedDocument[];
}

/** Invoices (calls for funds included) issued between two Paris dates, inclusive, by number. */
export const invoicesIssuedBetween = (db: DbOrTx, period: Period) => issuedBetween(db, invoices, period);

/** Credit notes issued between two Paris dates, inclusive, by number. */
export const creditNotesIssuedBetween = (db: DbOrTx, period: Period) => issuedBetween(db, creditNotes, period);
