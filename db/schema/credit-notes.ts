import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations } from './accounts.ts';
import { INVOICE_PARTIES, invoices, orders, type InvoiceParty } from './orders.ts';
import { passes } from './booklets.ts';
import { requiredIntegerRef, requiredTextRef } from './columns.ts';

/**
 * A credit note for the face value of passes that expired unused: one per invoiced party and expiry
 * of an order, the buyer's share to the buyer and the State's share to the programme's payer, each
 * citing the invoice (or call for funds) it corrects. Notes issued before migration 0013 carried
 * both shares on one buyer document: for those, buyer + State share = total; for the others one
 * of the two is the total and the other is zero.
 */
export const creditNotes = sqliteTable(
  'credit_notes',
  {
    id: text('id').primaryKey(),
    /** Gapless per year: AV-2026-000001. */
    number: text('number').notNull(),
    orderId: requiredTextRef('order_id', () => orders.id),
    buyerId: requiredTextRef('buyer_id', () => organisations.id),
    programId: text('program_id'),
    /** Who the note is addressed to: the buyer, or the State (the programme's payer). */
    party: text('party', { enum: INVOICE_PARTIES }).$type<InvoiceParty>().notNull().default('buyer'),
    /** The invoice or call for funds it corrects (EN 16931 BT-25). */
    correctsInvoiceId: text('corrects_invoice_id').references(() => invoices.id),
    /** The passes of the expiry (both notes of one expiry count the same passes). */
    passCount: integer('pass_count').notNull(),
    totalCents: integer('total_cents').notNull(),
    buyerShareCents: integer('buyer_share_cents').notNull(),
    stateShareCents: integer('state_share_cents').notNull(),
    issuedOn: text('issued_on').notNull(),
    journalEntryId: text('journal_entry_id').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('credit_notes_number_unique').on(t.number),
    index('credit_notes_order_idx').on(t.orderId),
    index('credit_notes_buyer_idx').on(t.buyerId),
    index('credit_notes_party_idx').on(t.party, t.programId),
  ],
);

/**
 * Each expired pass is in exactly one credit note (unique pass_id): the buyer's note of its expiry,
 * or the State's when the State paid the whole order and the buyer has no share to credit.
 */
export const creditNotePasses = sqliteTable(
  'credit_note_passes',
  {
    creditNoteId: requiredTextRef('credit_note_id', () => creditNotes.id),
    passId: requiredIntegerRef('pass_id', () => passes.id),
  },
  (t) => [uniqueIndex('credit_note_passes_pass_unique').on(t.passId), index('credit_note_passes_note_idx').on(t.creditNoteId)],
);
