import { sql } from 'drizzle-orm';
import { check, index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.ts';

export const CHORUS_DOCUMENT_TYPES = ['invoice', 'credit_note'] as const;
export type ChorusDocumentType = (typeof CHORUS_DOCUMENT_TYPES)[number];

/**
 * "Déposé sur Chorus Pro le …, n° de flux …", as finance enters it: Chorus Pro's API cannot be
 * reached from the service, so the deposit is made by hand and recorded here. One row per document
 * (an invoice, a call for funds — an invoice of the State — or a credit note); a correction
 * rewrites it and the audit log keeps what it said before (chorus_pro.deposit_recorded / _corrected).
 */
export const chorusProDeposits = sqliteTable(
  'chorus_pro_deposits',
  {
    documentType: text('document_type', { enum: CHORUS_DOCUMENT_TYPES }).notNull(),
    documentId: text('document_id').notNull(),
    /** Europe/Paris date of the deposit, YYYY-MM-DD, never after the day it is recorded. */
    depositedOn: text('deposited_on').notNull(),
    /** Chorus Pro's flow number (numéro de flux), normalised: CPP and 22 digits. */
    flowNumber: text('flow_number').notNull(),
    /** UTC instant of the last recording or correction. */
    recordedAt: text('recorded_at').notNull(),
    recordedByUserId: text('recorded_by_user_id').references(() => users.id),
  },
  (t) => [
    primaryKey({ columns: [t.documentType, t.documentId] }),
    index('chorus_pro_deposits_flow_idx').on(t.flowNumber),
    check('chorus_pro_deposits_document_type', sql`document_type IN ('invoice', 'credit_note')`),
  ],
);
