import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { passes } from './booklets.ts';
import { placeSites } from './places.ts';
import { requiredIntegerRef, requiredTextRef } from './columns.ts';

export const REDEMPTION_STATUSES = ['live', 'cancelled'] as const;
export type RedemptionStatus = (typeof REDEMPTION_STATUSES)[number];

/** A place accepted a pass. A cancelled row stays, with its journal reversal, so history is never lost. */
export const redemptions = sqliteTable(
  'redemptions',
  {
    id: text('id').primaryKey(),
    passId: requiredIntegerRef('pass_id', () => passes.id),
    placeId: requiredTextRef('place_id', () => organisations.id),
    siteId: requiredTextRef('site_id', () => placeSites.id),
    /** INSEE code of the site's commune on the day of use (a site may move later; where a use happened does not). Null only on rows written without it by raw test or bench inserts. */
    communeCode: text('commune_code'),
    service: text('service'),
    amountCents: integer('amount_cents').notNull(),
    /** UTC instant. */
    redeemedAt: text('redeemed_at').notNull(),
    /** Europe/Paris month YYYY-MM: the reimbursement batch it belongs to (a redemption at 23:30 UTC on 31 January is February's). */
    period: text('period').notNull(),
    redeemedByUserId: text('redeemed_by_user_id').references(() => users.id),
    status: text('status', { enum: REDEMPTION_STATUSES }).notNull(),
    journalEntryId: text('journal_entry_id').notNull(),
    /**
     * Set by the reimbursement batch that takes the redemption in, in the same transaction as its
     * reimbursement line: from then on the place can no longer cancel it.
     */
    batchedAt: text('batched_at'),
    cancelledAt: text('cancelled_at'),
    cancelledByUserId: text('cancelled_by_user_id').references(() => users.id),
    cancelJournalEntryId: text('cancel_journal_entry_id'),
  },
  (t) => [
    // Domain rule 5 in the database: whatever the concurrency, one live redemption per pass.
    // Every lookup by pass is for its live redemption: this partial index answers them all, and a
    // second, full index on pass_id would be one more random page written by every redemption.
    uniqueIndex('redemptions_one_live_per_pass').on(t.passId).where(sql`status = 'live'`),
    index('redemptions_place_period_idx').on(t.placeId, t.period, t.redeemedAt),
    index('redemptions_period_idx').on(t.period, t.status),
    check('redemptions_amount_positive', sql`${t.amountCents} > 0`),
    check('redemptions_cancel_consistent', sql`(${t.status} = 'cancelled') = (${t.cancelledAt} IS NOT NULL)`),
  ],
);
