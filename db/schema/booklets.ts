import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { orders } from './orders.ts';
import { requiredTextRef } from './columns.ts';

export const BOOKLET_STATUSES = ['in_stock', 'allotted', 'distributed', 'started', 'used_up', 'blocked', 'expired'] as const;
export type BookletStatus = (typeof BOOKLET_STATUSES)[number];

export const PASS_STATUSES = ['issued', 'active', 'redeemed', 'reimbursed', 'blocked', 'expired'] as const;
export type PassStatus = (typeof PASS_STATUSES)[number];

export const booklets = sqliteTable(
  'booklets',
  {
    id: text('id').primaryKey(),
    /** Printed and scanned: CD31-2026-000001. */
    serial: text('serial').notNull(),
    orderId: requiredTextRef('order_id', () => orders.id),
    buyerId: requiredTextRef('buyer_id', () => organisations.id),
    /** 1…bookletCount within the order: printing follows it. */
    position: integer('position').notNull(),
    passCount: integer('pass_count').notNull(),
    status: text('status', { enum: BOOKLET_STATUSES }).notNull(),
    /** The organisation holding the booklet: the buyer while in stock, then a prescriber. */
    holderId: requiredTextRef('holder_id', () => organisations.id),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('booklets_serial_unique').on(t.serial),
    uniqueIndex('booklets_order_position_unique').on(t.orderId, t.position),
    index('booklets_holder_idx').on(t.holderId, t.status),
  ],
);

export const passes = sqliteTable(
  'passes',
  {
    // Integer keys: 10 million rows stay compact and fast to index.
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull(),
    bookletId: requiredTextRef('booklet_id', () => booklets.id),
    orderId: requiredTextRef('order_id', () => orders.id),
    /** 1…passCount within the booklet. */
    position: integer('position').notNull(),
    faceValueCents: integer('face_value_cents').notNull(),
    status: text('status', { enum: PASS_STATUSES }).notNull(),
    activatedAt: text('activated_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('passes_code_unique').on(t.code),
    index('passes_booklet_idx').on(t.bookletId, t.position),
    // Not (order_id, status): a redemption changes a pass's status, and an index on it would cost
    // every redemption two more pages to write (the entry leaves one range for another). Queries by
    // order and status (expiry, activation, counts) read the order's passes through this index.
    index('passes_order_idx').on(t.orderId),
  ],
);

/**
 * The buyer's acceptance of the print proof ("bon à tirer"): the print file is refused until it exists.
 * One row per order (primary key): accepting twice keeps the first acceptance, which is what was printed against.
 */
export const printProofs = sqliteTable('print_proofs', {
  orderId: text('order_id')
    .primaryKey()
    .references(() => orders.id),
  acceptedAt: text('accepted_at').notNull(),
  acceptedByUserId: requiredTextRef('accepted_by_user_id', () => users.id),
});
