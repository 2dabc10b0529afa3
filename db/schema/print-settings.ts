import { blob, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import { users } from './accounts.ts';
import { orders } from './orders.ts';
import { requiredTextRef } from './columns.ts';

/**
 * Buyers' logos, decoded and re-encoded before they are stored (nothing of the uploaded file but
 * its pixels survives), keyed by the hash of the re-encoded bytes: every proof version that printed
 * a logo can still be rendered after the buyer replaced it.
 */
export const printLogos = sqliteTable('print_logos', {
  sha256: text('sha256').primaryKey(),
  mime: text('mime', { enum: ['image/png', 'image/jpeg'] }).notNull(),
  data: blob('data', { mode: 'buffer' }).notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  createdAt: text('created_at').notNull(),
});

/** What the buyer chose for the booklets of one order, as it stands now (the proof versions keep each past state). */
export const printSettings = sqliteTable('print_settings', {
  orderId: text('order_id')
    .primaryKey()
    .references(() => orders.id),
  coverTitle: text('cover_title'),
  coverMessage: text('cover_message'),
  letterText: text('letter_text'),
  logoSha256: text('logo_sha256').references(() => printLogos.sha256),
  updatedAt: text('updated_at').notNull(),
  updatedByUserId: requiredTextRef('updated_by_user_id', () => users.id),
});

/** The print settings a proof version was rendered with: frozen into the version row. */
export interface PrintSettingsSnapshot {
  coverTitle: string | null;
  coverMessage: string | null;
  letterText: string | null;
  logoSha256: string | null;
}

export const PROOF_VERSION_STATUSES = ['waiting', 'accepted', 'rejected', 'superseded'] as const;
export type ProofVersionStatus = (typeof PROOF_VERSION_STATUSES)[number];

/**
 * Every proof ("BAT") shown to the buyer, numbered per order: waiting → accepted | rejected, or
 * superseded when the buyer changes a setting before deciding. At most one version is open
 * (waiting or accepted) per order; the accepted one is what the print file is made of.
 */
export const printProofVersions = sqliteTable(
  'print_proof_versions',
  {
    id: text('id').primaryKey(),
    orderId: requiredTextRef('order_id', () => orders.id),
    version: integer('version').notNull(),
    settings: text('settings', { mode: 'json' }).$type<PrintSettingsSnapshot>().notNull(),
    status: text('status', { enum: PROOF_VERSION_STATUSES }).notNull(),
    createdAt: text('created_at').notNull(),
    /** null: produced by the service itself (the first version, when the order's proof is first asked for). */
    createdByUserId: text('created_by_user_id').references(() => users.id),
    decidedAt: text('decided_at'),
    decidedByUserId: text('decided_by_user_id').references(() => users.id),
    comment: text('comment'),
  },
  (t) => [
    uniqueIndex('print_proof_versions_order_version_unique').on(t.orderId, t.version),
    uniqueIndex('print_proof_versions_one_open').on(t.orderId).where(sql`status IN ('waiting', 'accepted')`),
  ],
);
