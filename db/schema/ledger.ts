import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { requiredTextRef } from './columns.ts';

export const NORMAL_SIDES = ['debit', 'credit'] as const;
export type NormalSide = (typeof NORMAL_SIDES)[number];

/**
 * Chart of accounts, created on first use by postEntry. `code` is a colon path (`buyer:<orgId>:receivable`)
 * and is part of every entry hash: a migration trigger refuses to change it.
 */
export const ledgerAccounts = sqliteTable(
  'ledger_accounts',
  {
    id: text('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    normalSide: text('normal_side', { enum: NORMAL_SIDES }).notNull(),
    allowNegative: integer('allow_negative', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull(),
    /**
     * Running totals of the account's lines, kept by postEntry in the same transaction: a balance check
     * on a busy account (passes:outstanding, bank) is one row read instead of a SUM over millions of
     * lines. A trigger refuses totals that make a non-negative account negative; ledger:verify and the
     * tests compare them with the lines.
     */
    debitTotalCents: integer('debit_total_cents').notNull().default(0),
    creditTotalCents: integer('credit_total_cents').notNull().default(0),
  },
  (t) => [uniqueIndex('ledger_accounts_code_unique').on(t.code), check('ledger_accounts_normal_side', sql`normal_side IN ('debit', 'credit')`)],
);

/** Append-only (triggers in the migrations): a correction is a new entry that reverses this one. */
export const journalEntries = sqliteTable(
  'journal_entries',
  {
    id: text('id').primaryKey(),
    /** 1, 2, 3… without gaps: the order of the hash chain. */
    seq: integer('seq').notNull(),
    /** What happened, in snake_case: order_approved, payment_received, redemption, … */
    kind: text('kind').notNull(),
    /** The business object the entry is about (the accountant's "pièce"): order, payment, redemption, batch… */
    refType: text('ref_type').notNull(),
    refId: text('ref_id').notNull(),
    label: text('label').notNull(),
    /** Europe/Paris calendar date (YYYY-MM-DD): the accounting date, which decides the month. */
    valueDate: text('value_date').notNull(),
    /** UTC instant (ISO) of the insertion. */
    postedAt: text('posted_at').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    reversesEntryId: text('reverses_entry_id').references((): AnySQLiteColumn => journalEntries.id),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('journal_entries_seq_unique').on(t.seq),
    uniqueIndex('journal_entries_idempotency_unique').on(t.idempotencyKey),
    // One reversal per entry. Partial: ordinary entries (all but a few) are not written to it at all.
    uniqueIndex('journal_entries_reverses_unique').on(t.reversesEntryId).where(sql`reverses_entry_id IS NOT NULL`),
    index('journal_entries_ref_idx').on(t.refType, t.refId),
    index('journal_entries_value_date_idx').on(t.valueDate),
  ],
);

export const journalLines = sqliteTable(
  'journal_lines',
  {
    id: integer('id').primaryKey(),
    entryId: requiredTextRef('entry_id', () => journalEntries.id),
    accountId: requiredTextRef('account_id', () => ledgerAccounts.id),
    debitCents: integer('debit_cents').notNull().default(0),
    creditCents: integer('credit_cents').notNull().default(0),
  },
  (t) => [
    // Covering index: rebuilding an account's balance from its lines (verifyBalances) and finding
    // "the entries touching these accounts" (scoped lists) read the index alone, never the table.
    index('journal_lines_account_idx').on(t.accountId, t.entryId, t.debitCents, t.creditCents),
    index('journal_lines_entry_idx').on(t.entryId),
    check(
      'journal_lines_one_side',
      sql`(debit_cents > 0 AND credit_cents = 0) OR (debit_cents = 0 AND credit_cents > 0)`,
    ),
  ],
);
