import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, type BuyerType } from './accounts.ts';
import { requiredTextRef } from './columns.ts';

/** Who pays the State's share: the addressee of its calls for funds, with its Chorus Pro routing data. */
export interface ProgramPayerColumn {
  name: string;
  siret: string;
  address: { line: string; postalCode: string; city: string };
  serviceCode: string | null;
  engagementNumber: string | null;
}

export const PROGRAM_STATUSES = ['open', 'closed'] as const;
export type ProgramStatus = (typeof PROGRAM_STATUSES)[number];

export const cofinancingPrograms = sqliteTable(
  'cofinancing_programs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    rateBasisPoints: integer('rate_basis_points').notNull(),
    eligibleBuyerTypes: text('eligible_buyer_types', { mode: 'json' }).$type<BuyerType[]>().notNull(),
    envelopeCents: integer('envelope_cents').notNull(),
    /**
     * What approved orders still hold of the envelope: their commitments less what State credit
     * notes released (migration 0013). Only ever moved by conditional UPDATEs (commitEnvelope,
     * releaseEnvelope); the CHECK is the last line of defence. Committed in all = this + released.
     */
    committedCents: integer('committed_cents').notNull().default(0),
    /** The State's shares of expired passes credited back by State credit notes, free to fund other orders. */
    releasedCents: integer('released_cents').notNull().default(0),
    minOrderCents: integer('min_order_cents'),
    perBuyerCapCents: integer('per_buyer_cap_cents'),
    /** YYYY-MM-DD, Europe/Paris calendar dates, both inclusive. */
    startsOn: text('starts_on').notNull(),
    endsOn: text('ends_on').notNull(),
    status: text('status', { enum: PROGRAM_STATUSES }).notNull().default('open'),
    createdAt: text('created_at').notNull(),
    /** Required before one of its orders can be approved (it is printed on the call for funds). */
    payer: text('payer', { mode: 'json' }).$type<ProgramPayerColumn | null>(),
  },
  () => [
    check('cofinancing_programs_committed_within_envelope', sql`committed_cents >= 0 AND committed_cents <= envelope_cents`),
    check('cofinancing_programs_rate_range', sql`rate_basis_points BETWEEN 1 AND 10000`),
    check('cofinancing_programs_dates_ordered', sql`starts_on <= ends_on`),
  ],
);

/**
 * What every movement of a programme's envelope for one order records (a commitment, a release):
 * which programme, order and buyer, how much, when. A function because a column belongs to one table.
 */
function envelopeMovementColumns() {
  return {
    id: text('id').primaryKey(),
    programId: requiredTextRef('program_id', () => cofinancingPrograms.id),
    orderId: text('order_id').notNull(),
    buyerId: requiredTextRef('buyer_id', () => organisations.id),
    amountCents: integer('amount_cents').notNull(),
    createdAt: text('created_at').notNull(),
  };
}

/**
 * What each approved order took from a programme's envelope. One row per order (unique), so an
 * approval replayed can never commit twice; the sum of rows equals the programme's committed_cents.
 */
export const programCommitments = sqliteTable(
  'program_commitments',
  envelopeMovementColumns(),
  (t) => [
    uniqueIndex('program_commitments_order_unique').on(t.orderId),
    index('program_commitments_program_buyer_idx').on(t.programId, t.buyerId),
    check('program_commitments_amount_positive', sql`amount_cents > 0`),
  ],
);

/**
 * What one State credit note gave back to its programme's envelope (issue #14). One row per
 * credit note (unique), so a note releases once; per order, never more than its commitment.
 */
export const programReleases = sqliteTable(
  'program_releases',
  { ...envelopeMovementColumns(), creditNoteId: text('credit_note_id').notNull() },
  (t) => [
    uniqueIndex('program_releases_credit_note_unique').on(t.creditNoteId),
    index('program_releases_program_buyer_idx').on(t.programId, t.buyerId),
    check('program_releases_amount_positive', sql`amount_cents > 0`),
  ],
);

/** The operator's list of publics an order may be restricted to (domain rule 4). Codes are stable: orders store them. */
export const publicCategories = sqliteTable('public_categories', {
  code: text('code').primaryKey(),
  label: text('label').notNull(),
  priority: integer('priority', { mode: 'boolean' }).notNull().default(false),
  /** Inactive categories stay for the orders that already use them but are no longer offered. */
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  sortOrder: integer('sort_order').notNull().default(0),
});
