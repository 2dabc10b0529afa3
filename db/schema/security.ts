import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.ts';
import { requiredTextRef } from './columns.ts';

/** A user's TOTP secret (RFC 6238); in force once confirmed by a first code. */
export const userTotp = sqliteTable('user_totp', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id),
  secret: text('secret').notNull(),
  confirmedAt: text('confirmed_at'),
  /** The 30-second step of the last accepted code: a code is accepted once, never replayed. */
  lastUsedStep: integer('last_used_step'),
  createdAt: text('created_at').notNull(),
});

/** Ten single-use codes given at enrolment, stored as sha256. */
export const mfaRecoveryCodes = sqliteTable(
  'mfa_recovery_codes',
  {
    id: text('id').primaryKey(),
    userId: requiredTextRef('user_id', () => users.id),
    codeHash: text('code_hash').notNull(),
    usedAt: text('used_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('mfa_recovery_codes_hash_unique').on(t.userId, t.codeHash)],
);

/** Browsers a person chose to trust for 30 days ("se souvenir de cet appareil"); id = sha256 of the cookie. */
export const mfaRememberedDevices = sqliteTable(
  'mfa_remembered_devices',
  {
    id: text('id').primaryKey(),
    userId: requiredTextRef('user_id', () => users.id),
    expiresAt: text('expires_at').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('mfa_remembered_devices_user_idx').on(t.userId)],
);

/** Append-only (triggers refuse UPDATE and DELETE): sign-ins, second factor, tokens, bank details. */
export const securityEvents = sqliteTable(
  'security_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    kind: text('kind').notNull(),
    /** The account the event is about. */
    userId: text('user_id'),
    organisationId: text('organisation_id'),
    /** Who acted, when not the account itself (an admin, an operator). */
    actorUserId: text('actor_user_id'),
    ip: text('ip'),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('security_events_at_idx').on(t.at), index('security_events_user_idx').on(t.userId)],
);
