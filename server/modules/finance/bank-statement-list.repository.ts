/**
 * Finance's two bank lists (issue 16): the imported statements (/finances/releves-bancaires) and
 * the movements of one statement (/finances/releves-bancaires/:id), each searched, filtered, sorted
 * and paged by one `.$dynamic()` query that the count shares. The operator's bank account is the
 * operator's own: only finance reads it, so there is no organisation to scope by.
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { bankEntries, bankStatements } from '../../../db/schema/bank-statements.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';

// ——— The statements ———

// The outer column is written out: in a one-table select drizzle names columns without their table,
// and inside this subquery a bare "id" would be the movement's.
const entriesWithStatus = (status: 'matched' | 'unmatched' | 'dismissed') =>
  sql<number>`(SELECT COUNT(*) FROM bank_entries e WHERE e.statement_id = bank_statements.id AND e.status = ${status})`.mapWith(Number);

export const BANK_STATEMENT_SORTS = {
  date: bankStatements.toDate,
  mouvements: bankStatements.entryCount,
  ouverture: bankStatements.openingCents,
  cloture: bankStatements.closingCents,
} as const;
export type BankStatementSort = keyof typeof BANK_STATEMENT_SORTS;

export interface BankStatementCriteria {
  q: string;
  /** A month "2026-11" the statement's period covers, at least in part. */
  month?: string;
  /** Statements with movements still waiting in the queue, or with none. */
  queue?: 'waiting' | 'done';
}

const unmatchedCount = entriesWithStatus('unmatched');

const matchingStatements = (db: DbOrTx, criteria: BankStatementCriteria) =>
  db
    .select({
      statement: bankStatements,
      matched: entriesWithStatus('matched').as('matched'),
      unmatched: unmatchedCount.as('unmatched'),
      dismissed: entriesWithStatus('dismissed').as('dismissed'),
    })
    .from(bankStatements)
    .where(
      and(
        criteria.month ? sql`(substr(${bankStatements.fromDate}, 1, 7) <= ${criteria.month} AND substr(${bankStatements.toDate}, 1, 7) >= ${criteria.month})` : undefined,
        criteria.queue === 'waiting' ? sql`${unmatchedCount} > 0` : criteria.queue === 'done' ? sql`${unmatchedCount} = 0` : undefined,
        searchCondition(criteria.q, [bankStatements.account, bankStatements.statementRef]),
      ),
    )
    .$dynamic();

export type BankStatementListRow = Awaited<ReturnType<ReturnType<typeof matchingStatements>['all']>>[number];

export function countBankStatementSearch(db: DbOrTx, criteria: BankStatementCriteria): number {
  return countMatching(db, matchingStatements(db, criteria));
}

/** One page of statements; the import instant, then the id, break ties between statements of one day. */
export function searchBankStatements(db: DbOrTx, criteria: BankStatementCriteria, sort: { key: BankStatementSort; dir: SortDirection }, window: ListWindow): BankStatementListRow[] {
  return readWindow(matchingStatements(db, criteria), orderByFor(BANK_STATEMENT_SORTS, sort, sql`${bankStatements.importedAt} || ${bankStatements.id}`), window);
}

// ——— The movements of one statement ———

/** What a movement became, as the statement page says it: an invoice's payment, a payout's transfer, set aside, or waiting. */
export type BankEntryOutcome = 'invoice' | 'payout' | 'dismissed' | 'unmatched';

const OUTCOME_CONDITIONS: Record<BankEntryOutcome, SQL> = {
  invoice: sql`(${bankEntries.status} = 'matched' AND ${bankEntries.matchedKind} = 'payment')`,
  payout: sql`(${bankEntries.status} = 'matched' AND ${inArray(bankEntries.matchedKind, ['payout', 'batch', 'payout_return'])})`,
  dismissed: sql`${bankEntries.status} = 'dismissed'`,
  unmatched: sql`${bankEntries.status} = 'unmatched'`,
};

/** The movement's amount as finance types it, "12,50" (the sign is the direction's). */
const amountText = sql`printf('%d,%02d', ${bankEntries.amountCents} / 100, ${bankEntries.amountCents} % 100)`;
const signedAmount = sql`CASE WHEN ${bankEntries.direction} = 'credit' THEN ${bankEntries.amountCents} ELSE -${bankEntries.amountCents} END`;
/** The document numbers the movement became (FAC- of the invoice it paid, RB- of the payouts), to find it by them. */
const matchedNumbers = sql`CASE ${bankEntries.matchedKind}
  WHEN 'payment' THEN (SELECT i.number FROM payments pm JOIN invoices i ON i.id = pm.invoice_id WHERE pm.id = ${bankEntries.matchedId})
  WHEN 'batch' THEN (SELECT group_concat(p.reference, ' ') FROM payouts p WHERE p.batch_id = ${bankEntries.matchedId})
  ELSE (SELECT p.reference FROM payouts p WHERE p.id = ${bankEntries.matchedId}) END`;

export const BANK_ENTRY_SORTS = { date: bankEntries.bookingDate, montant: signedAmount } as const;
export type BankEntrySort = keyof typeof BANK_ENTRY_SORTS;

export interface BankEntryCriteria {
  q: string;
  outcome?: BankEntryOutcome;
  direction?: 'credit' | 'debit';
}

const matchingEntries = (db: DbOrTx, statementId: string, criteria: BankEntryCriteria) =>
  db
    .select()
    .from(bankEntries)
    .where(
      and(
        eq(bankEntries.statementId, statementId),
        criteria.outcome ? OUTCOME_CONDITIONS[criteria.outcome] : undefined,
        criteria.direction ? eq(bankEntries.direction, criteria.direction) : undefined,
        searchCondition(criteria.q, [bankEntries.remittance, bankEntries.counterparty, bankEntries.endToEndId, bankEntries.entryRef, amountText, matchedNumbers]),
      ),
    )
    .$dynamic();

export function countBankEntrySearch(db: DbOrTx, statementId: string, criteria: BankEntryCriteria): number {
  return countMatching(db, matchingEntries(db, statementId, criteria));
}

/** One page of the statement's movements; the bank's entry reference (unique) breaks ties. */
export function searchBankEntries(db: DbOrTx, statementId: string, criteria: BankEntryCriteria, sort: { key: BankEntrySort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingEntries(db, statementId, criteria), orderByFor(BANK_ENTRY_SORTS, sort, bankEntries.entryRef), window);
}
