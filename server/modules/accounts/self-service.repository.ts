import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { apiTokens, invitations, sessions, users } from '../../../db/schema/accounts.ts';
import { emailChanges, passwordResets } from '../../../db/schema/notifications.ts';

export function insertPasswordReset(tx: DbOrTx, row: typeof passwordResets.$inferInsert): void {
  tx.insert(passwordResets).values(row).run();
}

export function findPasswordReset(db: DbOrTx, tokenHash: string) {
  return db
    .select({ reset: passwordResets, user: users })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(eq(passwordResets.tokenHash, tokenHash))
    .get();
}

/** Conditional: of two uses of one link, only one changes the row. */
export function usePasswordReset(tx: DbOrTx, id: string, nowIso: string): boolean {
  return tx.update(passwordResets).set({ usedAt: nowIso }).where(and(eq(passwordResets.id, id), isNull(passwordResets.usedAt))).run().changes === 1;
}

/**
 * A new password, and everything the old one opened is closed: sessions, API tokens, pending reset
 * links and invitations of this user.
 */
export function replacePassword(tx: DbOrTx, userId: string, passwordHash: string, nowIso: string): { revokedTokens: number } {
  tx.update(users).set({ passwordHash }).where(eq(users.id, userId)).run();
  tx.delete(sessions).where(eq(sessions.userId, userId)).run();
  const revoked = tx.update(apiTokens).set({ revokedAt: nowIso }).where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))).run();
  tx.update(passwordResets).set({ usedAt: nowIso }).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt))).run();
  tx.update(invitations).set({ usedAt: nowIso }).where(and(eq(invitations.userId, userId), isNull(invitations.usedAt))).run();
  return { revokedTokens: revoked.changes };
}

export function insertEmailChange(tx: DbOrTx, row: typeof emailChanges.$inferInsert): void {
  // Only the latest request counts: earlier links die.
  tx.update(emailChanges).set({ usedAt: row.createdAt }).where(and(eq(emailChanges.userId, row.userId), isNull(emailChanges.usedAt))).run();
  tx.insert(emailChanges).values(row).run();
}

export function findEmailChange(db: DbOrTx, tokenHash: string) {
  return db
    .select({ change: emailChanges, user: users })
    .from(emailChanges)
    .innerJoin(users, eq(users.id, emailChanges.userId))
    .where(eq(emailChanges.tokenHash, tokenHash))
    .get();
}

export function useEmailChange(tx: DbOrTx, id: string, nowIso: string): boolean {
  return tx.update(emailChanges).set({ usedAt: nowIso }).where(and(eq(emailChanges.id, id), isNull(emailChanges.usedAt))).run().changes === 1;
}

export function setUserEmail(tx: DbOrTx, userId: string, email: string): void {
  tx.update(users).set({ email }).where(eq(users.id, userId)).run();
}

export function setNoticesOptOut(tx: DbOrTx, userId: string, optOut: boolean): void {
  tx.update(users).set({ noticesOptOut: optOut }).where(eq(users.id, userId)).run();
}

export function findUserById(db: DbOrTx, userId: string) {
  return db.select().from(users).where(eq(users.id, userId)).get();
}
