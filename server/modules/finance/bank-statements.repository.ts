import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { bankEntries, bankStatements } from '../../../db/schema/bank-statements.ts';
import { invoices } from '../../../db/schema/orders.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';

export type BankStatementRow = typeof bankStatements.$inferSelect;
export type BankEntryRow = typeof bankEntries.$inferSelect;

export const statementByContent = (tx: DbOrTx, sha256: string) => tx.select().from(bankStatements).where(eq(bankStatements.contentSha256, sha256)).get();
export const entryByRef = (tx: DbOrTx, entryRef: string) => tx.select({ id: bankEntries.id }).from(bankEntries).where(eq(bankEntries.entryRef, entryRef)).get();
export const entryById = (tx: DbOrTx, id: string) => tx.select().from(bankEntries).where(eq(bankEntries.id, id)).get();
export const insertStatement = (tx: DbOrTx, row: BankStatementRow) => tx.insert(bankStatements).values(row).run();
export const insertEntry = (tx: DbOrTx, row: BankEntryRow) => tx.insert(bankEntries).values(row).run();
export const updateEntry = (tx: DbOrTx, id: string, set: Partial<BankEntryRow>) => tx.update(bankEntries).set(set).where(eq(bankEntries.id, id)).run();

export function entriesOfStatement(tx: DbOrTx, statementId: string): BankEntryRow[] {
  return tx.select().from(bankEntries).where(eq(bankEntries.statementId, statementId)).orderBy(asc(bankEntries.bookingDate), asc(bankEntries.entryRef)).all();
}

export function unmatchedEntries(tx: DbOrTx): BankEntryRow[] {
  return tx.select().from(bankEntries).where(eq(bankEntries.status, 'unmatched')).orderBy(asc(bankEntries.bookingDate), asc(bankEntries.entryRef)).all();
}

export function listStatements(tx: DbOrTx): BankStatementRow[] {
  return tx.select().from(bankStatements).orderBy(desc(bankStatements.toDate), desc(bankStatements.importedAt)).all();
}

/** The statement whose period ends last: its closing balance is what the bank says the account holds. */
export function lastStatement(tx: DbOrTx): BankStatementRow | undefined {
  return tx.select().from(bankStatements).orderBy(desc(bankStatements.toDate), desc(bankStatements.importedAt)).limit(1).get();
}

export const invoiceByNumber = (tx: DbOrTx, number: string) => tx.select().from(invoices).where(eq(invoices.number, number)).get();
export const payoutByReference = (tx: DbOrTx, reference: string) => tx.select().from(payouts).where(eq(payouts.reference, reference)).get();
export const payoutById = (tx: DbOrTx, id: string) => tx.select().from(payouts).where(eq(payouts.id, id)).get();
export const batchById = (tx: DbOrTx, id: string) => tx.select().from(reimbursementBatches).where(eq(reimbursementBatches.id, id)).get();

/** Approved batches whose payouts still waiting add up to `amountCents`: a grouped debit of the whole batch. */
export function approvedBatchesTotalling(tx: DbOrTx, amountCents: number) {
  return tx.all<{ id: string; message_id: string | null }>(sql`
    SELECT b.id, b.message_id FROM reimbursement_batches b
    WHERE b.status = 'approved'
      AND (SELECT COALESCE(SUM(p.amount_cents), 0) FROM payouts p WHERE p.batch_id = b.id AND p.status = 'approved') = ${amountCents}`);
}

/** Suggestions for an unmatched credit: invoices still owed exactly this amount, or at least it. */
export function invoicesOwing(tx: DbOrTx, amountCents: number) {
  return tx
    .select({ id: invoices.id, number: invoices.number, dueCents: sql<number>`${invoices.totalCents} - ${invoices.paidCents}` })
    .from(invoices)
    .where(sql`${invoices.totalCents} - ${invoices.paidCents} >= ${amountCents}`)
    .orderBy(sql`(${invoices.totalCents} - ${invoices.paidCents}) = ${amountCents} DESC`, asc(invoices.number))
    .limit(5)
    .all();
}

/** Suggestions for an unmatched debit: approved payouts of this amount. */
export function approvedPayoutsOf(tx: DbOrTx, amountCents: number) {
  return tx
    .select({ id: payouts.id, reference: payouts.reference, amountCents: payouts.amountCents })
    .from(payouts)
    .where(and(inArray(payouts.status, ['approved']), eq(payouts.amountCents, amountCents)))
    .orderBy(asc(payouts.reference))
    .limit(5)
    .all();
}
