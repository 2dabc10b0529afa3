import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { redemptions } from './redemption.ts';
import { requiredIntegerRef, requiredTextRef } from './columns.ts';

/**
 * The reimbursement chain (finance.md): redemption → line (one per redemption) → payout (one per place
 * and batch) → batch (one per Paris month) → statement (one per payout). Statuses only move forward
 * and every change is logged in reimbursement_status_log.
 */
/**
 * `building`: a large batch being built by a job, step by step (reimbursement-batch.job.ts). Its
 * redemptions taken so far can no longer be cancelled, but nothing can approve, export or pay it
 * until its last step moves it to `draft`.
 */
export const BATCH_STATUSES = ['building', 'draft', 'approved', 'paid'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const reimbursementBatches = sqliteTable(
  'reimbursement_batches',
  {
    id: text('id').primaryKey(),
    /** Europe/Paris month YYYY-MM. */
    period: text('period').notNull(),
    status: text('status', { enum: BATCH_STATUSES }).notNull(),
    totalCents: integer('total_cents').notNull(),
    payoutCount: integer('payout_count').notNull(),
    lineCount: integer('line_count').notNull(),
    /** SEPA message id, fixed at approval so every download of the file is the same file. */
    messageId: text('message_id'),
    requestedExecutionDate: text('requested_execution_date'),
    createdAt: text('created_at').notNull(),
    createdByUserId: text('created_by_user_id').references(() => users.id),
    approvedAt: text('approved_at'),
    approvedByUserId: text('approved_by_user_id').references(() => users.id),
    paidOn: text('paid_on'),
  },
  (t) => [uniqueIndex('reimbursement_batches_period_unique').on(t.period)],
);

export const PAYOUT_STATUSES = ['pending', 'approved', 'paid', 'rejected'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const payouts = sqliteTable(
  'payouts',
  {
    id: text('id').primaryKey(),
    batchId: requiredTextRef('batch_id', () => reimbursementBatches.id),
    placeId: requiredTextRef('place_id', () => organisations.id),
    /** Gapless statement reference, also the SEPA EndToEndId so bank returns can be matched: RB-2026-000001. */
    reference: text('reference').notNull(),
    /** Bank details used, copied: a later change of IBAN never changes a payout already built. */
    bankAccountId: text('bank_account_id').notNull(),
    holder: text('holder').notNull(),
    iban: text('iban').notNull(),
    bic: text('bic').notNull(),
    amountCents: integer('amount_cents').notNull(),
    lineCount: integer('line_count').notNull(),
    status: text('status', { enum: PAYOUT_STATUSES }).notNull(),
    exportEntryId: text('export_entry_id'),
    rejectedAt: text('rejected_at'),
    rejectionReason: text('rejection_reason'),
    /** Europe/Paris date the bank executed the transfer (the batch's, or a bank statement's booking date): the place's attestation counts by it. */
    paidOn: text('paid_on'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('payouts_reference_unique').on(t.reference),
    uniqueIndex('payouts_batch_place_unique').on(t.batchId, t.placeId),
    index('payouts_place_idx').on(t.placeId),
    check('payouts_amount_positive', sql`${t.amountCents} > 0`),
  ],
);

export const reimbursementLines = sqliteTable(
  'reimbursement_lines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    redemptionId: requiredTextRef('redemption_id', () => redemptions.id),
    placeId: text('place_id').notNull(),
    amountCents: integer('amount_cents').notNull(),
    period: text('period').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('reimbursement_lines_redemption_unique').on(t.redemptionId), index('reimbursement_lines_place_idx').on(t.placeId, t.period)],
);

/** Which payout carries a line. A rejected payout's rows are deactivated and the line goes to a later batch. */
export const payoutLines = sqliteTable(
  'payout_lines',
  {
    payoutId: requiredTextRef('payout_id', () => payouts.id),
    lineId: requiredIntegerRef('line_id', () => reimbursementLines.id),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [
    index('payout_lines_payout_idx').on(t.payoutId),
    // Each line in at most one payout that was not rejected.
    uniqueIndex('payout_lines_one_active').on(t.lineId).where(sql`active = 1`),
  ],
);

export const reimbursementStatusLog = sqliteTable(
  'reimbursement_status_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subjectType: text('subject_type', { enum: ['batch', 'payout'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    actorUserId: text('actor_user_id'),
    reason: text('reason'),
    at: text('at').notNull(),
  },
  (t) => [index('reimbursement_status_log_subject_idx').on(t.subjectType, t.subjectId)],
);
