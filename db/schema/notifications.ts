import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { requiredTextRef } from './columns.ts';

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * The transactional outbox: one row per message, written in the same transaction as the event
 * that causes it, delivered after commit by the sender. The body is rendered from `template` and
 * `data` at delivery (with PUBLIC_URL), so the causing transaction does nothing slow.
 */
export const outboxMessages = sqliteTable(
  'outbox_messages',
  {
    id: text('id').primaryKey(),
    template: text('template').notNull(),
    toAddress: text('to_address').notNull(),
    /** The recipient's account, when the message goes to a user (null for an applicant without one). */
    toUserId: text('to_user_id'),
    /** The recipient's organisation, when known: the message concerns it. */
    organisationId: text('organisation_id'),
    subject: text('subject').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    sentAt: text('sent_at'),
    failedAt: text('failed_at'),
  },
  (t) => [index('outbox_due_idx').on(t.status, t.nextAttemptAt), index('outbox_created_idx').on(t.createdAt, t.id)],
);

/** "Mot de passe oublié" links: sha256 of the token only, valid one hour, single use. */
export const passwordResets = sqliteTable(
  'password_resets',
  {
    id: text('id').primaryKey(),
    userId: requiredTextRef('user_id', () => users.id),
    tokenHash: text('token_hash').notNull(),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('password_resets_token_unique').on(t.tokenHash), index('password_resets_user_idx').on(t.userId, t.createdAt)],
);

/** A change of e-mail waits for the confirmation link sent to the new address. */
export const emailChanges = sqliteTable(
  'email_changes',
  {
    id: text('id').primaryKey(),
    userId: requiredTextRef('user_id', () => users.id),
    newEmail: text('new_email').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('email_changes_token_unique').on(t.tokenHash), index('email_changes_user_idx').on(t.userId)],
);

/**
 * A buyer's own prescriber network: which buyer added which prescriber, who did it and when. The
 * prescriber organisation itself is shared: a second buyer adding the same SIRET reuses it.
 */
export const buyerPrescribers = sqliteTable(
  'buyer_prescribers',
  {
    id: text('id').primaryKey(),
    buyerId: requiredTextRef('buyer_id', () => organisations.id),
    prescriberId: requiredTextRef('prescriber_id', () => organisations.id),
    addedByUserId: text('added_by_user_id').notNull(),
    /** True when this buyer's request created the prescriber (false: an existing one was reused). */
    created: integer('created', { mode: 'boolean' }).notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('buyer_prescribers_unique').on(t.buyerId, t.prescriberId), index('buyer_prescribers_prescriber_idx').on(t.prescriberId)],
);
