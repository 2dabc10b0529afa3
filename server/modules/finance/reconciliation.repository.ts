/**
 * The figures of the reconciliation report, each recomputed from the rows themselves (never from
 * cached totals alone). The report is the operator's (finance) view over every organisation, so the
 * only narrowing is the report's own scope: one order, or one programme's orders, or one period.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';

/** The orders a scoped report looks at: one order, or the orders of one programme; all when neither. */
export interface OrderScope {
  orderId?: string;
  programId?: string;
}

const orderFilter = (scope: OrderScope): SQL =>
  scope.orderId ? sql`AND o.id = ${scope.orderId}` : scope.programId ? sql`AND o.program_id = ${scope.programId}` : sql``;
const periodFilter = (period: string | undefined): SQL => (period ? sql`AND b.period = ${period}` : sql``);
const num = (db: DbOrTx, query: SQL): number => Number(db.get<{ v: number | null }>(query)?.v ?? 0);
const signedAmount = sql`SUM(CASE WHEN direction = 'credit' THEN amount_cents ELSE -amount_cents END)`;

// --- Orders and passes ---------------------------------------------------------------------------

export const ordersWithSharesOffTotal = (db: DbOrTx, scope: OrderScope) =>
  num(db, sql`SELECT COUNT(*) AS v FROM orders o WHERE o.state_share_cents + o.buyer_share_cents != o.total_cents ${orderFilter(scope)}`);

export const faceValueByPassStatus = (db: DbOrTx, scope: OrderScope) =>
  db.all<{ status: string; v: number }>(
    sql`SELECT p.status, SUM(p.face_value_cents) AS v FROM passes p JOIN orders o ON o.id = p.order_id WHERE 1 = 1 ${orderFilter(scope)} GROUP BY p.status`,
  );

export const issuedOrderValue = (db: DbOrTx, scope: OrderScope) =>
  num(db, sql`SELECT SUM(o.total_cents) AS v FROM orders o WHERE o.status IN ('approved', 'closed') ${orderFilter(scope)}`);

// --- Places and the reimbursement chain ----------------------------------------------------------

/** Live redemptions not yet in an exported (approved or paid) payout: what is still owed to places. */
export const redeemedValueNotExported = (db: DbOrTx) =>
  num(
    db,
    sql`SELECT SUM(r.amount_cents) AS v FROM redemptions r WHERE r.status = 'live' AND NOT EXISTS (
          SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
          JOIN payouts p ON p.id = pl.payout_id WHERE l.redemption_id = r.id AND p.status IN ('approved', 'paid'))`,
  );

export const linesOfCancelledRedemptions = (db: DbOrTx) =>
  num(db, sql`SELECT COUNT(*) AS v FROM reimbursement_lines l JOIN redemptions r ON r.id = l.redemption_id WHERE r.status != 'live'`);

export const payoutsOffTheirLines = (db: DbOrTx, period?: string) =>
  num(
    db,
    sql`SELECT COUNT(*) AS v FROM (SELECT p.id FROM payouts p JOIN reimbursement_batches b ON b.id = p.batch_id
        LEFT JOIN payout_lines pl ON pl.payout_id = p.id AND pl.active = 1 LEFT JOIN reimbursement_lines l ON l.id = pl.line_id
        WHERE p.status != 'rejected' ${periodFilter(period)} GROUP BY p.id HAVING COALESCE(SUM(l.amount_cents), 0) != MAX(p.amount_cents))`,
  );

export const batchesOffTheirPayouts = (db: DbOrTx, period?: string) =>
  num(
    db,
    sql`SELECT COUNT(*) AS v FROM reimbursement_batches b WHERE b.total_cents != (
        SELECT COALESCE(SUM(p.amount_cents), 0) FROM payouts p WHERE p.batch_id = b.id AND p.status != 'rejected') ${periodFilter(period)}`,
  );

/** A month's live redemptions, what of them was put on reimbursement lines, and what still waits for a batch. */
export function redemptionsOfPeriod(db: DbOrTx, period: string) {
  return {
    redeemedCents: num(db, sql`SELECT SUM(amount_cents) AS v FROM redemptions WHERE status = 'live' AND period = ${period}`),
    linedCents: num(db, sql`SELECT SUM(l.amount_cents) AS v FROM reimbursement_lines l WHERE l.period = ${period}`),
    waitingCents: num(db, sql`SELECT SUM(amount_cents) AS v FROM redemptions WHERE status = 'live' AND period = ${period} AND batched_at IS NULL`),
  };
}

// --- Credit notes and invoices -------------------------------------------------------------------

export const creditedValue = (db: DbOrTx, scope: OrderScope) =>
  num(db, sql`SELECT SUM(c.total_cents) AS v FROM credit_notes c JOIN orders o ON o.id = c.order_id WHERE 1 = 1 ${orderFilter(scope)}`);

export const creditNotesWithSplitOffTotal = (db: DbOrTx, scope: OrderScope) =>
  num(db, sql`SELECT COUNT(*) AS v FROM credit_notes c JOIN orders o ON o.id = c.order_id WHERE c.buyer_share_cents + c.state_share_cents != c.total_cents ${orderFilter(scope)}`);

export const expiredPassCount = (db: DbOrTx, scope: OrderScope) =>
  num(db, sql`SELECT COUNT(*) AS v FROM passes p JOIN orders o ON o.id = p.order_id WHERE p.status = 'expired' ${orderFilter(scope)}`);

export const passesOnCreditNotes = (db: DbOrTx, scope: OrderScope) =>
  num(db, sql`SELECT COUNT(*) AS v FROM credit_note_passes cp JOIN credit_notes c ON c.id = cp.credit_note_id JOIN orders o ON o.id = c.order_id WHERE 1 = 1 ${orderFilter(scope)}`);

export const overpaidInvoiceCount = (db: DbOrTx, scope: OrderScope) =>
  num(db, sql`SELECT COUNT(*) AS v FROM invoices i JOIN orders o ON o.id = i.order_id WHERE i.paid_cents > i.total_cents ${orderFilter(scope)}`);

export const invoicesStillDue = (db: DbOrTx) => num(db, sql`SELECT SUM(total_cents - paid_cents) AS v FROM invoices`);

/** Gaps or duplicates in a gapless numbering (FAC-2026-000001…), per year: the count of anomalies. */
export function numberingAnomalies(db: DbOrTx, table: 'invoices' | 'credit_notes' | 'payouts', column: 'number' | 'reference', prefix: string): number {
  const rows = db.all<{ year: string; n: number; max: number; distinct_n: number }>(
    sql.raw(`SELECT substr(${column}, ${prefix.length + 2}, 4) AS year, COUNT(*) AS n,
                    MAX(CAST(substr(${column}, ${prefix.length + 7}) AS INTEGER)) AS max,
                    COUNT(DISTINCT ${column}) AS distinct_n
             FROM ${table} WHERE ${column} LIKE '${prefix}-%' GROUP BY year`),
  );
  return rows.reduce((sum, r) => sum + Math.abs(r.max - r.n) + (r.n - r.distinct_n), 0);
}

// --- Programmes ----------------------------------------------------------------------------------

/** Programmes whose commitments exceed the envelope or differ from their commitment and release rows. */
export function programsOffTheirRows(db: DbOrTx, programId?: string): number {
  const programFilter = programId ? sql`WHERE c.id = ${programId}` : sql``;
  return num(
    db,
    sql`SELECT COUNT(*) AS v FROM cofinancing_programs c ${programFilter} ${programId ? sql`AND` : sql`WHERE`} (c.committed_cents > c.envelope_cents
        OR c.committed_cents != (SELECT COALESCE(SUM(amount_cents), 0) FROM program_commitments pc WHERE pc.program_id = c.id)
                                - (SELECT COALESCE(SUM(amount_cents), 0) FROM program_releases pr WHERE pr.program_id = c.id)
        OR c.released_cents != (SELECT COALESCE(SUM(amount_cents), 0) FROM program_releases pr WHERE pr.program_id = c.id))`,
  );
}

/** A programme's envelope and money, and its distributions (all, and to priority publics). */
export function programFigures(db: DbOrTx, programId: string) {
  const program = db.get<{ id: string; name: string; envelope_cents: number; committed_cents: number }>(
    sql`SELECT id, name, envelope_cents, committed_cents FROM cofinancing_programs WHERE id = ${programId}`,
  );
  if (!program) return undefined;
  const invoices = db.get<{ invoiced: number | null; paid: number | null }>(
    sql`SELECT SUM(total_cents) AS invoiced, SUM(paid_cents) AS paid FROM invoices WHERE party = 'state' AND program_id = ${programId}`,
  );
  const creditedCents = num(db, sql`SELECT SUM(state_share_cents) AS v FROM credit_notes WHERE program_id = ${programId}`);
  const dist = db.get<{ total: number; priority: number | null }>(
    sql`SELECT COUNT(*) AS total, SUM(CASE WHEN pc.priority = 1 THEN 1 ELSE 0 END) AS priority
        FROM distributions d JOIN booklets b ON b.id = d.booklet_id JOIN orders o ON o.id = b.order_id
        LEFT JOIN public_categories pc ON pc.code = d.public_category
        WHERE o.program_id = ${programId}`,
  );
  return {
    program,
    invoicedCents: Number(invoices?.invoiced ?? 0),
    paidCents: Number(invoices?.paid ?? 0),
    creditedCents,
    distributionCount: Number(dist?.total ?? 0),
    priorityDistributionCount: Number(dist?.priority ?? 0),
  };
}

// --- The bank account against the statements ------------------------------------------------------

/** The first statement's start and the last one's end, or nulls when none was imported. */
export const statementsSpan = (db: DbOrTx) =>
  db.get<{ first_from: string | null; last_to: string | null }>(sql`SELECT MIN(from_date) AS first_from, MAX(to_date) AS last_to FROM bank_statements`);
export const firstStatementOpening = (db: DbOrTx) =>
  num(db, sql`SELECT opening_cents AS v FROM bank_statements ORDER BY from_date ASC, imported_at ASC, rowid ASC LIMIT 1`);
export const lastStatementClosing = (db: DbOrTx) =>
  num(db, sql`SELECT closing_cents AS v FROM bank_statements ORDER BY to_date DESC, imported_at DESC, rowid DESC LIMIT 1`);
/** Movements finance set aside as not the service's (bank fees…), credits positive. */
export const dismissedMovementsCents = (db: DbOrTx) => num(db, sql`SELECT ${signedAmount} AS v FROM bank_entries WHERE status = 'dismissed'`);
export function unmatchedMovements(db: DbOrTx): { count: number; cents: number } {
  const row = db.get<{ n: number; v: number | null }>(sql`SELECT COUNT(*) AS n, ${signedAmount} AS v FROM bank_entries WHERE status = 'unmatched'`);
  return { count: Number(row?.n ?? 0), cents: Number(row?.v ?? 0) };
}
/** The journal's bank account movements with a value date in [from, to]. */
export const journalBankMovements = (db: DbOrTx, from: string, to: string) =>
  num(
    db,
    sql`SELECT SUM(l.debit_cents - l.credit_cents) AS v FROM journal_lines l
        JOIN journal_entries e ON e.id = l.entry_id JOIN ledger_accounts a ON a.id = l.account_id
        WHERE a.code = 'bank' AND e.value_date >= ${from} AND e.value_date <= ${to}`,
  );
