import { asc, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { bankEntries, bankStatements, type BankEntryMatch } from '../../../db/schema/bank-statements.ts';
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

/** Invoices still owed something, with what a bank label may cite of them: the queue's candidates for a credit. */
export function invoicesStillOwed(tx: DbOrTx) {
  return tx.all<{ id: string; number: string; due_cents: number; order_reference: string; buyer_name: string; party: 'buyer' | 'state'; program_name: string | null }>(sql`
    SELECT i.id, i.number, i.total_cents - i.paid_cents AS due_cents, o.reference AS order_reference, b.name AS buyer_name, i.party, p.name AS program_name
    FROM invoices i JOIN orders o ON o.id = i.order_id JOIN organisations b ON b.id = i.buyer_id
    LEFT JOIN cofinancing_programs p ON p.id = i.program_id
    WHERE i.total_cents > i.paid_cents ORDER BY i.number LIMIT 2000`);
}

/** Payouts in the given statuses with their place: the queue's candidates for a debit (approved) or a return (approved or paid). */
export function payoutsIn(tx: DbOrTx, statuses: ('approved' | 'paid')[]) {
  return tx.all<{ id: string; reference: string; amount_cents: number; place_name: string; holder: string }>(sql`
    SELECT p.id, p.reference, p.amount_cents, o.name AS place_name, p.holder FROM payouts p JOIN organisations o ON o.id = p.place_id
    WHERE p.status IN ${statuses} ORDER BY p.reference LIMIT 2000`);
}

/** A payment recorded without a bank movement (typed by finance): the statement's credit is that payment, not a second one. */
export function unlinkedPaymentOf(tx: DbOrTx, invoiceId: string, amountCents: number, bookingDate: string) {
  return tx.get<{ id: string }>(sql`
    SELECT p.id FROM payments p WHERE p.invoice_id = ${invoiceId} AND p.amount_cents = ${amountCents}
      AND NOT EXISTS (SELECT 1 FROM bank_entries e WHERE e.matched_kind = 'payment' AND e.matched_id = p.id)
    ORDER BY ABS(julianday(p.received_on) - julianday(${bookingDate})), p.created_at LIMIT 1`);
}

/** Whether a payout's execution (or its return) is already the match of a bank movement. */
export function isLinked(tx: DbOrTx, kinds: BankEntryMatch[], id: string): boolean {
  return !!tx.get(sql`SELECT 1 AS x FROM bank_entries WHERE matched_kind IN ${kinds} AND matched_id = ${id}`);
}

/** Whether a payout was ever executed (its status log says paid): a rejected one may have left the account and come back. */
export function wasExecuted(tx: DbOrTx, payoutId: string): boolean {
  return !!tx.get(sql`SELECT 1 AS x FROM reimbursement_status_log WHERE subject_type = 'payout' AND subject_id = ${payoutId} AND to_status = 'paid'`);
}

/** Paid batches, marked by hand, whose paid payouts add up to `amountCents` and that no bank movement has read yet. */
export function unlinkedPaidBatchesTotalling(tx: DbOrTx, amountCents: number) {
  return tx.all<{ id: string; message_id: string | null }>(sql`
    SELECT b.id, b.message_id FROM reimbursement_batches b
    WHERE b.status = 'paid'
      AND NOT EXISTS (SELECT 1 FROM bank_entries e WHERE e.matched_kind = 'batch' AND e.matched_id = b.id)
      AND NOT EXISTS (SELECT 1 FROM bank_entries e JOIN payouts p ON p.id = e.matched_id WHERE e.matched_kind = 'payout' AND p.batch_id = b.id)
      AND (SELECT COALESCE(SUM(p.amount_cents), 0) FROM payouts p WHERE p.batch_id = b.id AND p.status = 'paid') = ${amountCents}`);
}

/** The statements with how many of their new entries were read, queued or set aside. */
export function statementsWithCounts(tx: DbOrTx, onlyId?: string) {
  return tx.all<BankStatementListRow>(sql`
    SELECT s.id, s.format, s.account, s.statement_ref, s.from_date, s.to_date, s.opening_cents, s.closing_cents, s.entry_count, s.new_entry_count, s.imported_at,
      (SELECT COUNT(*) FROM bank_entries e WHERE e.statement_id = s.id AND e.status = 'matched') AS matched,
      (SELECT COUNT(*) FROM bank_entries e WHERE e.statement_id = s.id AND e.status = 'unmatched') AS unmatched,
      (SELECT COUNT(*) FROM bank_entries e WHERE e.statement_id = s.id AND e.status = 'dismissed') AS dismissed
    FROM bank_statements s ${onlyId ? sql`WHERE s.id = ${onlyId}` : sql``} ORDER BY s.to_date DESC, s.imported_at DESC, s.rowid DESC`);
}
export interface BankStatementListRow {
  id: string;
  format: string;
  account: string;
  statement_ref: string;
  from_date: string;
  to_date: string;
  opening_cents: number;
  closing_cents: number;
  entry_count: number;
  new_entry_count: number;
  imported_at: string;
  matched: number;
  unmatched: number;
  dismissed: number;
}

export const statementById = (tx: DbOrTx, id: string) => tx.select().from(bankStatements).where(eq(bankStatements.id, id)).get();

/** What matched entries point at, in the words of the documents: invoice numbers and payers, payout references and places, batches. */
export function paymentTargets(tx: DbOrTx, ids: string[]) {
  if (ids.length === 0) return [];
  return tx.all<{ id: string; number: string; party: 'buyer' | 'state'; buyer_name: string; program_name: string | null }>(sql`
    SELECT pm.id, i.number, i.party, b.name AS buyer_name, pr.name AS program_name FROM payments pm JOIN invoices i ON i.id = pm.invoice_id
    JOIN organisations b ON b.id = i.buyer_id LEFT JOIN cofinancing_programs pr ON pr.id = i.program_id WHERE pm.id IN ${ids}`);
}
export function payoutTargets(tx: DbOrTx, ids: string[]) {
  if (ids.length === 0) return [];
  return tx.all<{ id: string; reference: string; place_name: string }>(sql`
    SELECT p.id, p.reference, o.name AS place_name FROM payouts p JOIN organisations o ON o.id = p.place_id WHERE p.id IN ${ids}`);
}
export function batchTargets(tx: DbOrTx, ids: string[]) {
  if (ids.length === 0) return [];
  return tx.all<{ id: string; period: string; payout_count: number; first_ref: string | null; last_ref: string | null }>(sql`
    SELECT b.id, b.period, b.payout_count, MIN(p.reference) AS first_ref, MAX(p.reference) AS last_ref FROM reimbursement_batches b
    LEFT JOIN payouts p ON p.batch_id = b.id AND p.status != 'rejected' WHERE b.id IN ${ids} GROUP BY b.id`);
}
