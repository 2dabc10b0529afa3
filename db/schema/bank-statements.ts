import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.ts';
import { requiredTextRef } from './columns.ts';

export const BANK_STATEMENT_FORMATS = ['camt.053.001.02', 'camt.053.001.08', 'cfonb120'] as const;
export type BankStatementFormat = (typeof BANK_STATEMENT_FORMATS)[number];

/** One imported file of the operator's bank account. The same file twice is one row (content hash). */
export const bankStatements = sqliteTable(
  'bank_statements',
  {
    id: text('id').primaryKey(),
    format: text('format', { enum: BANK_STATEMENT_FORMATS }).notNull(),
    contentSha256: text('content_sha256').notNull(),
    /** IBAN (camt.053) or bank + branch + account number (CFONB). */
    account: text('account').notNull(),
    statementRef: text('statement_ref').notNull(),
    fromDate: text('from_date').notNull(),
    toDate: text('to_date').notNull(),
    openingCents: integer('opening_cents').notNull(),
    closingCents: integer('closing_cents').notNull(),
    entryCount: integer('entry_count').notNull(),
    /** Entries not already known from an earlier, overlapping statement. */
    newEntryCount: integer('new_entry_count').notNull(),
    importedAt: text('imported_at').notNull(),
    importedByUserId: text('imported_by_user_id').references(() => users.id),
  },
  (t) => [uniqueIndex('bank_statements_content_unique').on(t.contentSha256), index('bank_statements_to_date_idx').on(t.toDate)],
);

export const BANK_ENTRY_STATUSES = ['matched', 'unmatched', 'dismissed'] as const;
export type BankEntryStatus = (typeof BANK_ENTRY_STATUSES)[number];
/** What an entry was matched to: a payment it recorded, payouts it paid (one or a batch), a payout it returned. */
export type BankEntryMatch = 'payment' | 'payout' | 'batch' | 'payout_return';

/**
 * One movement on the operator's account, recorded once whatever the number of statements that
 * show it: the bank's own entry reference is unique.
 */
export const bankEntries = sqliteTable(
  'bank_entries',
  {
    id: text('id').primaryKey(),
    statementId: requiredTextRef('statement_id', () => bankStatements.id),
    entryRef: text('entry_ref').notNull(),
    bookingDate: text('booking_date').notNull(),
    direction: text('direction', { enum: ['credit', 'debit'] }).notNull(),
    amountCents: integer('amount_cents').notNull(),
    endToEndId: text('end_to_end_id'),
    remittance: text('remittance'),
    counterparty: text('counterparty'),
    /** ISO 20022 return reason (camt RtrInf) or CFONB rejection code: a transfer that came back. */
    returnReason: text('return_reason'),
    status: text('status', { enum: BANK_ENTRY_STATUSES }).notNull(),
    matchedKind: text('matched_kind').$type<BankEntryMatch>(),
    matchedId: text('matched_id'),
    dismissedReason: text('dismissed_reason'),
    resolvedByUserId: text('resolved_by_user_id').references(() => users.id),
    resolvedAt: text('resolved_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('bank_entries_ref_unique').on(t.entryRef),
    index('bank_entries_statement_idx').on(t.statementId),
    index('bank_entries_status_idx').on(t.status),
    check('bank_entries_amount_positive', sql`amount_cents > 0`),
    check('bank_entries_direction', sql`direction IN ('credit', 'debit')`),
    check('bank_entries_status', sql`status IN ('matched', 'unmatched', 'dismissed')`),
  ],
);
