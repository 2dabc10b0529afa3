import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { orders } from './orders.ts';
import { cofinancingPrograms } from './programs.ts';
import { requiredTextRef } from './columns.ts';

/** What a programme pays on: the passes bought (the national scheme) or the passes used (the 2020 call). */
export const PROGRAM_PAYS_ON = ['purchase', 'use'] as const;
export type ProgramPaysOn = (typeof PROGRAM_PAYS_ON)[number];

/** The smallest territory a co-financed order may cover: anything, or at least a grouping of communes. */
export const TERRITORY_MINIMUMS = ['any', 'commune_grouping'] as const;
export type TerritoryMinimum = (typeof TERRITORY_MINIMUMS)[number];

/**
 * The State's side of a co-financing programme: which State organisation funds it (and reads its
 * report), what it pays on, and the call's own rules checked at order time. A table of its own, one
 * row per programme, so the programme's money terms stay where they are.
 */
export const programStateTerms = sqliteTable(
  'program_state_terms',
  {
    programId: text('program_id')
      .primaryKey()
      .references(() => cofinancingPrograms.id),
    stateOrganisationId: text('state_organisation_id').references(() => organisations.id),
    paysOn: text('pays_on', { enum: PROGRAM_PAYS_ON }).notNull().default('purchase'),
    /** Largest order (project) the programme co-finances, total face value in cents. */
    maxOrderCents: integer('max_order_cents'),
    territoryMin: text('territory_min', { enum: TERRITORY_MINIMUMS }).notNull().default('any'),
    /** Share of distributions that must go to priority publics (basis points), e.g. 5000 for half. */
    priorityQuotaBasisPoints: integer('priority_quota_basis_points'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('program_state_terms_state_idx').on(t.stateOrganisationId),
    check('program_state_terms_pays_on', sql`pays_on IN ('purchase', 'use')`),
    check('program_state_terms_territory_min', sql`territory_min IN ('any', 'commune_grouping')`),
    check('program_state_terms_quota_range', sql`priority_quota_basis_points IS NULL OR priority_quota_basis_points BETWEEN 0 AND 10000`),
  ],
);

export const END_OF_VALIDITY_STEPS = ['blocking_approved', 'acknowledged', 'closing_signed_buyer', 'closing_signed_operator'] as const;
export type EndOfValidityStep = (typeof END_OF_VALIDITY_STEPS)[number];

/**
 * The steps of an order's end of validity that people take (J-15 blocking approved, J-7
 * acknowledgement, closing statement signed by each side). Append-only, one row per step and order
 * (primary key): a step taken twice keeps the first, which is what the others relied on.
 */
export const endOfValiditySteps = sqliteTable(
  'end_of_validity_steps',
  {
    orderId: requiredTextRef('order_id', () => orders.id),
    step: text('step', { enum: END_OF_VALIDITY_STEPS }).notNull(),
    at: text('at').notNull(),
    userId: text('user_id').references(() => users.id),
    organisationId: text('organisation_id'),
    /** What the step covered when it was taken (e.g. the serials and amount blocked). */
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.step] })],
);
