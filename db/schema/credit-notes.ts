import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations } from './accounts.ts';
import { orders } from './orders.ts';
import { passes } from './booklets.ts';

/** One credit note per expiry run of an order: the face value of the passes that expired, split buyer / State. */
export const creditNotes = sqliteTable(
  'credit_notes',
  {
    id: text('id').primaryKey(),
    /** Gapless per year: AV-2026-000001. */
    number: text('number').notNull(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    buyerId: text('buyer_id')
      .notNull()
      .references(() => organisations.id),
    programId: text('program_id'),
    passCount: integer('pass_count').notNull(),
    totalCents: integer('total_cents').notNull(),
    buyerShareCents: integer('buyer_share_cents').notNull(),
    stateShareCents: integer('state_share_cents').notNull(),
    issuedOn: text('issued_on').notNull(),
    journalEntryId: text('journal_entry_id').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('credit_notes_number_unique').on(t.number), index('credit_notes_order_idx').on(t.orderId), index('credit_notes_buyer_idx').on(t.buyerId)],
);

/** Each expired pass is in exactly one credit note (unique pass_id). */
export const creditNotePasses = sqliteTable(
  'credit_note_passes',
  {
    creditNoteId: text('credit_note_id')
      .notNull()
      .references(() => creditNotes.id),
    passId: integer('pass_id')
      .notNull()
      .references(() => passes.id),
  },
  (t) => [uniqueIndex('credit_note_passes_pass_unique').on(t.passId), index('credit_note_passes_note_idx').on(t.creditNoteId)],
);
