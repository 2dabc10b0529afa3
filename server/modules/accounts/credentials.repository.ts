/** Sessions, API tokens and the credential columns of users: every write that lets someone in or shuts them out. */
import { and, eq, isNull, lt, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { apiTokens, organisations, sessions, users } from '../../../db/schema/accounts.ts';
import type { OrganisationRow, UserRow } from './accounts.repository.ts';

export type NewSession = typeof sessions.$inferInsert;
export type NewApiToken = typeof apiTokens.$inferInsert;

export function insertSession(db: DbOrTx, row: NewSession): void {
  db.insert(sessions).values(row).run();
}

export function deleteSessionsExpiredBefore(db: DbOrTx, nowIso: string): void {
  db.delete(sessions).where(lt(sessions.expiresAt, nowIso)).run();
}

/** Deletes one session; gives back its ProConnect ID token (null without one), undefined when it was not there. */
export function deleteSession(db: DbOrTx, sessionId: string): { idTokenHint: string | null } | undefined {
  return db.delete(sessions).where(eq(sessions.id, sessionId)).returning({ idTokenHint: sessions.idTokenHint }).get();
}

export function deleteSessionsOfUser(db: DbOrTx, userId: string): void {
  db.delete(sessions).where(eq(sessions.userId, userId)).run();
}

export function insertApiToken(db: DbOrTx, row: NewApiToken): void {
  db.insert(apiTokens).values(row).run();
}

export function listLiveApiTokensOfUser(db: DbOrTx, userId: string) {
  return db
    .select({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .all();
}

/** Revokes one live token of this user; false when there is none with that id (unknown, someone else's, or revoked). */
export function revokeApiTokenOfUser(db: DbOrTx, tokenId: string, userId: string, nowIso: string): boolean {
  const done = db
    .update(apiTokens)
    .set({ revokedAt: nowIso })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .run();
  return done.changes === 1;
}

export function revokeApiTokensOfUser(db: DbOrTx, userId: string, nowIso: string): void {
  db.update(apiTokens)
    .set({ revokedAt: nowIso })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .run();
}

export function setPasswordHash(db: DbOrTx, userId: string, passwordHash: string): void {
  db.update(users).set({ passwordHash }).where(eq(users.id, userId)).run();
}

export function setUserDisabledFlag(db: DbOrTx, userId: string, disabled: boolean): void {
  db.update(users).set({ disabled }).where(eq(users.id, userId)).run();
}

/** Keeps ProConnect's identifiers on the account; a `sub` seen before on another account moves here (unique index). */
export function setProConnectIdentifiers(db: DbOrTx, userId: string, identity: { sub: string; siret: string | null }): void {
  db.update(users).set({ proconnectSub: null }).where(and(eq(users.proconnectSub, identity.sub), ne(users.id, userId))).run();
  db.update(users).set({ proconnectSub: identity.sub, proconnectSiret: identity.siret }).where(eq(users.id, userId)).run();
}

export function insertUser(db: DbOrTx, row: typeof users.$inferInsert): void {
  db.insert(users).values(row).run();
}

export function insertOrganisation(db: DbOrTx, row: OrganisationRow): void {
  db.insert(organisations).values(row).run();
}

/** The organisation itself, unscoped: for a user already authenticated, whose own organisation it is. */
export function organisationOfUser(db: DbOrTx, user: Pick<UserRow, 'organisationId'>): OrganisationRow | undefined {
  return db.select().from(organisations).where(eq(organisations.id, user.organisationId)).get();
}

export function findOperatorOrganisation(db: DbOrTx): OrganisationRow | undefined {
  return db.select().from(organisations).where(eq(organisations.kind, 'operator')).get();
}
