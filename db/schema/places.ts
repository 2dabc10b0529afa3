import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organisations, users } from './accounts.ts';
import { requiredTextRef } from './columns.ts';

/** Domain lifecycle of a place: applied → labelled ⇄ suspended; rejected. */
export const PLACE_STATUSES = ['applied', 'labelled', 'suspended', 'rejected'] as const;
export type PlaceStatus = (typeof PLACE_STATUSES)[number];

export const PLACE_SOURCES = ['application', 'import'] as const;
export type PlaceSource = (typeof PLACE_SOURCES)[number];

/**
 * The place side of an organisation of kind `place`: its label status and application details.
 * The label status lives here, not in organisations.status (which says whether the account is open),
 * so that suspending a place's label never locks its users out of their statements.
 */
export const places = sqliteTable(
  'places',
  {
    organisationId: text('organisation_id')
      .primaryKey()
      .references(() => organisations.id),
    status: text('status', { enum: PLACE_STATUSES }).notNull(),
    /** Why it was rejected or suspended: shown to the place. */
    statusReason: text('status_reason'),
    legalRepresentative: text('legal_representative'),
    contactEmail: text('contact_email'),
    source: text('source', { enum: PLACE_SOURCES }).notNull(),
    /** SIRET, RNA or RIDET as given by the open-data file (a SIRET also goes to organisations.siret). */
    pivot: text('pivot'),
    /** data·inclusion `frais = pass-numerique` or an old APTIC label: a hint for the reviewer, not a label. */
    acceptsPassNumerique: integer('accepts_pass_numerique', { mode: 'boolean' }).notNull().default(false),
    appliedAt: text('applied_at'),
    importedAt: text('imported_at'),
    labelledAt: text('labelled_at'),
    decidedAt: text('decided_at'),
    decidedByUserId: text('decided_by_user_id').references(() => users.id),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('places_status_idx').on(t.status)],
);

/** A place's premises where passes are accepted; the commune decides the territory check at redemption. */
export const placeSites = sqliteTable(
  'place_sites',
  {
    id: text('id').primaryKey(),
    placeId: requiredTextRef('place_id', () => places.organisationId),
    name: text('name').notNull(),
    address: text('address').notNull(),
    postalCode: text('postal_code'),
    communeCode: text('commune_code').notNull(),
    /** OSM opening_hours syntax, e.g. `Mo-Fr 09:00-12:00,14:00-18:30; Sa 09:00-12:00`. */
    openingHours: text('opening_hours'),
    /** Labels from the national services list of the digital-mediation places standard. */
    services: text('services', { mode: 'json' }).$type<string[]>().notNull(),
    free: integer('free', { mode: 'boolean' }).notNull().default(false),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** `<format>:<id>` of the open-data row it came from: re-importing the file updates, never duplicates. */
    externalId: text('external_id'),
    latitude: real('latitude'),
    longitude: real('longitude'),
    /** Public contact of the site, as published in the open data (telephone, courriels, site_web). */
    phone: text('phone'),
    email: text('email'),
    website: text('website'),
    /** `prise_en_charge_specifique` of the standard (Handicaps moteurs, Surdité…). */
    accessibility: text('accessibility', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** `fiche_acces_libre`: the site's accessibility sheet. */
    accessibilityUrl: text('accessibility_url'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('place_sites_place_idx').on(t.placeId),
    index('place_sites_commune_idx').on(t.communeCode),
    uniqueIndex('place_sites_external_unique').on(t.externalId),
  ],
);

export const BANK_ACCOUNT_STATUSES = ['pending', 'validated', 'rejected', 'replaced'] as const;
export type BankAccountStatus = (typeof BANK_ACCOUNT_STATUSES)[number];

/**
 * Bank details, one row per version, never edited in place: a changed IBAN is the classic fraud
 * vector, so a change is a new `pending` row that finance must validate, while the previous validated
 * row stays valid (and referenced by payouts already due) until then.
 */
export const placeBankAccounts = sqliteTable(
  'place_bank_accounts',
  {
    id: text('id').primaryKey(),
    placeId: requiredTextRef('place_id', () => places.organisationId),
    holder: text('holder').notNull(),
    iban: text('iban').notNull(),
    bic: text('bic').notNull(),
    status: text('status', { enum: BANK_ACCOUNT_STATUSES }).notNull(),
    submittedAt: text('submitted_at').notNull(),
    submittedByUserId: text('submitted_by_user_id').references(() => users.id),
    decidedAt: text('decided_at'),
    decidedByUserId: text('decided_by_user_id').references(() => users.id),
    decisionReason: text('decision_reason'),
    replacedAt: text('replaced_at'),
  },
  (t) => [
    index('place_bank_accounts_place_idx').on(t.placeId),
    // At most one version waiting for finance, and one in force, per place.
    uniqueIndex('place_bank_accounts_one_pending').on(t.placeId).where(sql`status = 'pending'`),
    uniqueIndex('place_bank_accounts_one_validated').on(t.placeId).where(sql`status = 'validated'`),
  ],
);
