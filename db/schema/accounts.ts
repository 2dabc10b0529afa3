import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { requiredTextRef } from './columns.ts';

/** `state`: a State service (e.g. ANCT) that reads the programmes it funds. */
export const ORGANISATION_KINDS = ['operator', 'buyer', 'prescriber', 'place', 'state'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const BUYER_TYPES = ['commune', 'epci', 'departement', 'region', 'state_service', 'other_public', 'private'] as const;
export type BuyerType = (typeof BUYER_TYPES)[number];

export const PRESCRIBER_KINDS = ['mission_locale', 'ccas', 'france_travail', 'france_services', 'association', 'other'] as const;
export type PrescriberKind = (typeof PRESCRIBER_KINDS)[number];

export const USER_ROLES = ['admin', 'agent', 'finance'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const organisations = sqliteTable(
  'organisations',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ORGANISATION_KINDS }).notNull(),
    name: text('name').notNull(),
    siret: text('siret'),
    buyerType: text('buyer_type', { enum: BUYER_TYPES }),
    communeCode: text('commune_code'),
    /** Postal address, printed on invoices and statements. */
    address: text('address'),
    status: text('status').notNull().default('active'),
    createdAt: text('created_at').notNull(),
    /** For prescribers: Mission locale, CCAS, France Travail… (null for other kinds and older rows). */
    prescriberKind: text('prescriber_kind', { enum: PRESCRIBER_KINDS }),
  },
  (t) => [index('organisations_kind_idx').on(t.kind), index('organisations_siret_idx').on(t.siret)],
);

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    organisationId: requiredTextRef('organisation_id', () => organisations.id),
    /** Stored lower-cased: the unique index makes e-mails unique case-insensitively. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull(),
    /** Null until the invitation is accepted. */
    passwordHash: text('password_hash'),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull(),
    /** ProConnect identifiers, kept from the last ProConnect sign-in. */
    proconnectSub: text('proconnect_sub'),
    proconnectSiret: text('proconnect_siret'),
    /** True when the user switched off non-essential notices (alerts, reminders); security messages always go. */
    noticesOptOut: integer('notices_opt_out', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [uniqueIndex('users_email_unique').on(sql`lower(${t.email})`), index('users_org_idx').on(t.organisationId)],
);

export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    userId: requiredTextRef('user_id', () => users.id),
    /** sha256 of the token: the token itself is only ever shown to the inviter. */
    tokenHash: text('token_hash').notNull(),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
    createdByUserId: text('created_by_user_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('invitations_token_unique').on(t.tokenHash), index('invitations_user_idx').on(t.userId)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    /** sha256 of the cookie value. */
    id: text('id').primaryKey(),
    userId: requiredTextRef('user_id', () => users.id),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    /** 'password' or 'proconnect'. */
    authMethod: text('auth_method').notNull().default('password'),
    /** Last time a second factor was given in this session (TOTP, recovery code, ProConnect): step-up reads it. */
    secondFactorAt: text('second_factor_at'),
    /** ProConnect ID token, sent back to the provider at logout to end its session too. */
    idTokenHint: text('id_token_hint'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: requiredTextRef('user_id', () => users.id),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: text('created_at').notNull(),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
    /** Optional end of validity chosen at creation; null = until revoked. */
    expiresAt: text('expires_at'),
  },
  (t) => [uniqueIndex('api_tokens_hash_unique').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

/** Append-only: triggers in the migrations refuse UPDATE and DELETE. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    actorUserId: text('actor_user_id'),
    actorOrganisationId: text('actor_organisation_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
    at: text('at').notNull(),
  },
  (t) => [index('audit_subject_idx').on(t.subjectType, t.subjectId), index('audit_actor_org_idx').on(t.actorOrganisationId)],
);

/** Keyed sequences for gapless document numbers (invoices, credit notes, statements…). */
export const sequences = sqliteTable('sequences', {
  name: text('name').primaryKey(),
  value: integer('value').notNull(),
});

/** Stored responses for POSTs sent with an Idempotency-Key header. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    key: text('key').notNull(),
    actorUserId: text('actor_user_id').notNull(),
    route: text('route').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    responseBody: text('response_body').notNull(),
    createdAt: text('created_at').notNull(),
  },
  // created_at: the hourly purge of keys past their retention reads the oldest ones only.
  (t) => [uniqueIndex('idempotency_unique').on(t.actorUserId, t.route, t.key), index('idempotency_keys_created_idx').on(t.createdAt)],
);

/** Operator settings editable at run time (e.g. the operator fee); the environment gives defaults. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});
