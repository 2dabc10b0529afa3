import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { booklets } from './booklets.ts';
import { orders } from './orders.ts';
import { requiredIntegerRef, requiredTextRef } from './columns.ts';

/**
 * A buyer designates a prescriber on one of its orders. Revocation closes the row and a new
 * designation opens another, so the history of who could hand out which order stays readable.
 */
export const prescriberDesignations = sqliteTable(
  'prescriber_designations',
  {
    id: text('id').primaryKey(),
    orderId: requiredTextRef('order_id', () => orders.id),
    prescriberId: requiredTextRef('prescriber_id', () => organisations.id),
    designatedAt: text('designated_at').notNull(),
    designatedByUserId: text('designated_by_user_id').references(() => users.id),
    revokedAt: text('revoked_at'),
    revokedByUserId: text('revoked_by_user_id').references(() => users.id),
  },
  (t) => [
    // At most one live designation per (order, prescriber); revoked rows are kept alongside.
    uniqueIndex('prescriber_designations_live_unique').on(t.orderId, t.prescriberId).where(sql`revoked_at IS NULL`),
    index('prescriber_designations_prescriber_idx').on(t.prescriberId, t.revokedAt),
  ],
);

export const MOVEMENT_KINDS = ['allotment', 'return', 'revocation_return', 'distribution', 'block'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

export const BLOCK_REASONS = ['lost', 'stolen', 'damaged', 'other'] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

/**
 * Every move of booklets between organisations (append-only: triggers in the migration refuse
 * UPDATE and DELETE). A distribution goes to a beneficiary, who is never recorded: `to` is null.
 */
export const bookletMovements = sqliteTable(
  'booklet_movements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: MOVEMENT_KINDS }).notNull(),
    orderId: requiredTextRef('order_id', () => orders.id),
    fromOrganisationId: text('from_organisation_id').references(() => organisations.id),
    toOrganisationId: text('to_organisation_id').references(() => organisations.id),
    bookletCount: integer('booklet_count').notNull(),
    /** The serials as people read them ("CD31-2026-000001 à CD31-2026-000010, …"); the exact list is in booklet_movement_items. */
    serialsSummary: text('serials_summary').notNull(),
    /** Only for a block: lost, stolen, damaged, other. A code, not free text, so no one types a beneficiary's name here. */
    reason: text('reason', { enum: BLOCK_REASONS }),
    actorUserId: text('actor_user_id').references(() => users.id),
    actorOrganisationId: text('actor_organisation_id').references(() => organisations.id),
    at: text('at').notNull(),
  },
  (t) => [
    index('booklet_movements_order_idx').on(t.orderId, t.id),
    index('booklet_movements_from_idx').on(t.fromOrganisationId, t.id),
    index('booklet_movements_to_idx').on(t.toOrganisationId, t.id),
    check('booklet_movements_count_positive', sql`booklet_count > 0`),
  ],
);

export const bookletMovementItems = sqliteTable(
  'booklet_movement_items',
  {
    movementId: requiredIntegerRef('movement_id', () => bookletMovements.id),
    bookletId: requiredTextRef('booklet_id', () => booklets.id),
  },
  (t) => [primaryKey({ columns: [t.movementId, t.bookletId] }), index('booklet_movement_items_booklet_idx').on(t.bookletId)],
);

export const AGE_BANDS = ['under_16', '16_25', '26_44', '45_59', '60_74', '75_plus'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/**
 * One booklet handed to one beneficiary (domain rule 10): the public category, the commune of
 * residence and an optional age band — never a name, a contact detail or a birth date.
 */
export const distributions = sqliteTable(
  'distributions',
  {
    id: text('id').primaryKey(),
    bookletId: requiredTextRef('booklet_id', () => booklets.id),
    orderId: requiredTextRef('order_id', () => orders.id),
    buyerId: requiredTextRef('buyer_id', () => organisations.id),
    prescriberId: requiredTextRef('prescriber_id', () => organisations.id),
    publicCategory: text('public_category').notNull(),
    /** INSEE code as chosen (an arrondissement stays an arrondissement; statistics group it with its commune). */
    communeCode: text('commune_code').notNull(),
    ageBand: text('age_band', { enum: AGE_BANDS }),
    /** Europe/Paris calendar date: statistics count by its month. */
    distributedOn: text('distributed_on').notNull(),
    distributedAt: text('distributed_at').notNull(),
    recordedByUserId: text('recorded_by_user_id').references(() => users.id),
  },
  (t) => [
    // A booklet is handed out once: the last line of defence behind the conditional UPDATE.
    uniqueIndex('distributions_booklet_unique').on(t.bookletId),
    index('distributions_order_idx').on(t.orderId, t.distributedOn),
    index('distributions_buyer_idx').on(t.buyerId, t.distributedAt, t.id),
    index('distributions_prescriber_idx').on(t.prescriberId, t.distributedAt, t.id),
  ],
);
