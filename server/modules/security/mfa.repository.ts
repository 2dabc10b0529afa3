import { and, eq, gt, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { sessions } from '../../../db/schema/accounts.ts';
import { mfaRecoveryCodes, mfaRememberedDevices, userTotp } from '../../../db/schema/security.ts';

export function findTotp(db: DbOrTx, userId: string) {
  return db.select().from(userTotp).where(eq(userTotp.userId, userId)).get();
}

export function hasConfirmedTotp(db: DbOrTx, userId: string): boolean {
  return db.select({ userId: userTotp.userId }).from(userTotp).where(and(eq(userTotp.userId, userId), isNotNull(userTotp.confirmedAt))).get() !== undefined;
}

/** A new secret waiting for its first code; replaces an earlier unconfirmed one, never a confirmed one. */
export function savePendingTotp(db: DbOrTx, row: { userId: string; secret: string; createdAt: string }): void {
  db.insert(userTotp)
    .values({ ...row, confirmedAt: null, lastUsedStep: null })
    .onConflictDoUpdate({ target: userTotp.userId, set: { secret: row.secret, createdAt: row.createdAt }, where: isNull(userTotp.confirmedAt) })
    .run();
}

/**
 * Records the 30-second step of an accepted code, only if it is later than the last one accepted:
 * a code (or an earlier one) cannot be replayed, even by two requests at once. Confirms the secret
 * on its first use. True when this request's code won.
 */
export function useTotpStep(db: DbOrTx, userId: string, step: number, nowIso: string): boolean {
  const done = db
    .update(userTotp)
    .set({ lastUsedStep: step, confirmedAt: sql`coalesce(${userTotp.confirmedAt}, ${nowIso})` })
    .where(and(eq(userTotp.userId, userId), or(isNull(userTotp.lastUsedStep), lt(userTotp.lastUsedStep, step))))
    .run();
  return done.changes === 1;
}

export function deleteTotp(db: DbOrTx, userId: string): void {
  db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)).run();
  db.delete(mfaRememberedDevices).where(eq(mfaRememberedDevices.userId, userId)).run();
  db.delete(userTotp).where(eq(userTotp.userId, userId)).run();
}

export function replaceRecoveryCodes(db: DbOrTx, userId: string, rows: { id: string; codeHash: string }[], nowIso: string): void {
  db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)).run();
  for (const row of rows) db.insert(mfaRecoveryCodes).values({ ...row, userId, usedAt: null, createdAt: nowIso }).run();
}

/** Spends a recovery code: a conditional update, so a code works once even under concurrent use. */
export function spendRecoveryCode(db: DbOrTx, userId: string, codeHash: string, nowIso: string): boolean {
  const done = db
    .update(mfaRecoveryCodes)
    .set({ usedAt: nowIso })
    .where(and(eq(mfaRecoveryCodes.userId, userId), eq(mfaRecoveryCodes.codeHash, codeHash), isNull(mfaRecoveryCodes.usedAt)))
    .run();
  return done.changes === 1;
}

export function countUnusedRecoveryCodes(db: DbOrTx, userId: string): number {
  return db.select({ id: mfaRecoveryCodes.id }).from(mfaRecoveryCodes).where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt))).all().length;
}

export function rememberDevice(db: DbOrTx, row: { id: string; userId: string; expiresAt: string; createdAt: string }): void {
  db.insert(mfaRememberedDevices).values(row).run();
}

export function isRememberedDevice(db: DbOrTx, id: string, userId: string, nowIso: string): boolean {
  return (
    db
      .select({ id: mfaRememberedDevices.id })
      .from(mfaRememberedDevices)
      .where(and(eq(mfaRememberedDevices.id, id), eq(mfaRememberedDevices.userId, userId), gt(mfaRememberedDevices.expiresAt, nowIso)))
      .get() !== undefined
  );
}

export function markSessionSecondFactor(db: DbOrTx, sessionId: string, nowIso: string): void {
  db.update(sessions).set({ secondFactorAt: nowIso }).where(eq(sessions.id, sessionId)).run();
}
