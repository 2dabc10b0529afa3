import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { requiredTextRef } from './columns.ts';

export const ORDER_STATUSES = ['submitted', 'approved', 'cancelled', 'closed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface TerritoryRestrictionColumn {
  departements?: string[];
  epcis?: string[];
  communes?: string[];
}

export const PAYMENT_ARRANGEMENT_KINDS = ['mandate_agreement', 'advance_account'] as const;
export type PaymentArrangementKind = (typeof PAYMENT_ARRANGEMENT_KINDS)[number];

/**
 * How a public buyer's accountant pays the operator: a mandate agreement (« convention de mandat »,
 * CGCT L1611-7-1) or through a régie d'avances, with the reference of that act and its date.
 */
export interface PaymentArrangementColumn {
  kind: PaymentArrangementKind;
  reference: string;
  /** YYYY-MM-DD. */
  date: string;
}

export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    /** Human reference printed on documents: CMD-2026-000001. */
    reference: text('reference').notNull(),
    buyerId: requiredTextRef('buyer_id', () => organisations.id),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    bookletCount: integer('booklet_count').notNull(),
    passesPerBooklet: integer('passes_per_booklet').notNull(),
    faceValueCents: integer('face_value_cents').notNull(),
    validFrom: text('valid_from').notNull(),
    validUntil: text('valid_until').notNull(),
    /** Null means every public; otherwise codes of public_categories. */
    publics: text('publics', { mode: 'json' }).$type<string[] | null>(),
    /** Null means all of France. */
    territory: text('territory', { mode: 'json' }).$type<TerritoryRestrictionColumn | null>(),
    programId: text('program_id'),
    totalCents: integer('total_cents').notNull(),
    stateShareCents: integer('state_share_cents').notNull(),
    buyerShareCents: integer('buyer_share_cents').notNull(),
    feeBasisPoints: integer('fee_basis_points').notNull(),
    feeCents: integer('fee_cents').notNull(),
    vatCents: integer('vat_cents').notNull(),
    chorusServiceCode: text('chorus_service_code'),
    engagementNumber: text('engagement_number'),
    mandateNumber: text('mandate_number'),
    /** Set once, when the funding gate opens (domain rule 3): passes may then become active. */
    fundedAt: text('funded_at'),
    submittedAt: text('submitted_at').notNull(),
    submittedByUserId: text('submitted_by_user_id').references(() => users.id),
    approvedAt: text('approved_at'),
    approvedByUserId: text('approved_by_user_id'),
    cancelledAt: text('cancelled_at'),
    createdAt: text('created_at').notNull(),
    /** Null means every service; otherwise the national-list services its passes pay for (checked at redemption). */
    allowedServices: text('allowed_services', { mode: 'json' }).$type<string[] | null>(),
    /** The buyer's payment arrangement, printed on its invoices; null when not given. */
    paymentArrangement: text('payment_arrangement', { mode: 'json' }).$type<PaymentArrangementColumn | null>(),
  },
  (t) => [
    uniqueIndex('orders_reference_unique').on(t.reference),
    index('orders_buyer_idx').on(t.buyerId, t.createdAt),
    index('orders_status_idx').on(t.status),
    check('orders_split_check', sql`${t.stateShareCents} + ${t.buyerShareCents} = ${t.totalCents} AND ${t.stateShareCents} >= 0`),
  ],
);

/** A row of `orders`, as every module reads it (kept here so that reading an order needs no import of the orders use cases). */
export type OrderRow = typeof orders.$inferSelect;

export const INVOICE_PARTIES = ['buyer', 'state'] as const;
export type InvoiceParty = (typeof INVOICE_PARTIES)[number];

export const invoices = sqliteTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    /** Gapless per year: FAC-2026-000001. */
    number: text('number').notNull(),
    orderId: requiredTextRef('order_id', () => orders.id),
    party: text('party', { enum: INVOICE_PARTIES }).notNull(),
    /** The buyer for a buyer invoice; the buyer whose order the State co-finances for a State claim. */
    buyerId: requiredTextRef('buyer_id', () => organisations.id),
    programId: text('program_id'),
    passValueCents: integer('pass_value_cents').notNull(),
    feeCents: integer('fee_cents').notNull(),
    vatCents: integer('vat_cents').notNull(),
    totalCents: integer('total_cents').notNull(),
    paidCents: integer('paid_cents').notNull().default(0),
    issuedOn: text('issued_on').notNull(),
    dueOn: text('due_on').notNull(),
    buyerSiret: text('buyer_siret'),
    chorusServiceCode: text('chorus_service_code'),
    engagementNumber: text('engagement_number'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_number_unique').on(t.number),
    uniqueIndex('invoices_order_party_unique').on(t.orderId, t.party),
    index('invoices_buyer_idx').on(t.buyerId),
    check('invoices_paid_check', sql`${t.paidCents} >= 0 AND ${t.paidCents} <= ${t.totalCents}`),
    check('invoices_total_check', sql`${t.totalCents} = ${t.passValueCents} + ${t.feeCents} + ${t.vatCents}`),
  ],
);

export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    invoiceId: requiredTextRef('invoice_id', () => invoices.id),
    amountCents: integer('amount_cents').notNull(),
    receivedOn: text('received_on').notNull(),
    reference: text('reference').notNull(),
    recordedByUserId: text('recorded_by_user_id'),
    journalEntryId: text('journal_entry_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('payments_invoice_idx').on(t.invoiceId), check('payments_amount_check', sql`${t.amountCents} > 0`)],
);
