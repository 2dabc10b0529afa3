import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { auditLog, organisations, users } from '../../../db/schema/accounts.ts';
import { orders } from '../../../db/schema/orders.ts';
import { printProofs } from '../../../db/schema/booklets.ts';
import { printLogos, printProofVersions, printSettings, type PrintSettingsSnapshot, type ProofVersionStatus } from '../../../db/schema/print-settings.ts';
import type { ReencodedLogo } from './logo.ts';

export type ProofVersionRow = typeof printProofVersions.$inferSelect;

export function findSettings(db: DbOrTx, orderId: string) {
  return db.select().from(printSettings).where(eq(printSettings.orderId, orderId)).get();
}

export function saveSettings(db: DbOrTx, row: typeof printSettings.$inferInsert): void {
  db.insert(printSettings).values(row).onConflictDoUpdate({ target: printSettings.orderId, set: { ...row } }).run();
}

/** Logos are content-addressed: the same image uploaded twice is stored once. */
export function saveLogo(db: DbOrTx, logo: ReencodedLogo, now: string): void {
  db.insert(printLogos)
    .values({ sha256: logo.sha256, mime: logo.mime, data: logo.data, width: logo.width, height: logo.height, createdAt: now })
    .onConflictDoNothing()
    .run();
}

export function findLogo(db: DbOrTx, sha256: string) {
  return db.select().from(printLogos).where(eq(printLogos.sha256, sha256)).get();
}

export function latestVersion(db: DbOrTx, orderId: string): ProofVersionRow | undefined {
  return db.select().from(printProofVersions).where(eq(printProofVersions.orderId, orderId)).orderBy(desc(printProofVersions.version)).limit(1).get();
}

export function findVersion(db: DbOrTx, orderId: string, version: number): ProofVersionRow | undefined {
  return db
    .select()
    .from(printProofVersions)
    .where(and(eq(printProofVersions.orderId, orderId), eq(printProofVersions.version, version)))
    .get();
}

export function insertVersion(db: DbOrTx, row: typeof printProofVersions.$inferInsert): void {
  db.insert(printProofVersions).values(row).run();
}

/** Moves a version on, only from the status it is expected to be in: true when it moved. */
export function decideVersion(
  db: DbOrTx,
  id: string,
  from: ProofVersionStatus,
  change: { status: ProofVersionStatus; decidedAt: string; decidedByUserId: string | null; comment?: string | null },
): boolean {
  return db.update(printProofVersions).set(change).where(and(eq(printProofVersions.id, id), eq(printProofVersions.status, from))).run().changes === 1;
}

/** Every version of an order's proof with who made and who decided it, newest first. */
export function versionHistory(db: DbOrTx, orderId: string) {
  const rows = db.select().from(printProofVersions).where(eq(printProofVersions.orderId, orderId)).orderBy(desc(printProofVersions.version)).all();
  const ids = [...new Set(rows.flatMap((r) => [r.createdByUserId, r.decidedByUserId]).filter((id): id is string => id !== null))];
  const names = new Map(ids.length ? db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids)).all().map((u) => [u.id, u.name]) : []);
  return rows.map((r) => ({ ...r, createdByName: r.createdByUserId ? (names.get(r.createdByUserId) ?? null) : null, decidedByName: r.decidedByUserId ? (names.get(r.decidedByUserId) ?? null) : null }));
}

export function snapshotOf(row: ReturnType<typeof findSettings>): PrintSettingsSnapshot {
  return { coverTitle: row?.coverTitle ?? null, coverMessage: row?.coverMessage ?? null, letterText: row?.letterText ?? null, logoSha256: row?.logoSha256 ?? null };
}

export function buyerContact(db: DbOrTx, buyerId: string) {
  return db.select({ name: organisations.name, address: organisations.address, communeCode: organisations.communeCode }).from(organisations).where(eq(organisations.id, buyerId)).get();
}

/** Approved orders whose proof is not accepted yet, with their approval instant: for the overdue and waiting lists. */
export function ordersAwaitingProof(db: DbOrTx, scope: { buyerId?: string }) {
  return db
    .select({ id: orders.id, reference: orders.reference, buyerId: orders.buyerId, buyerName: organisations.name, approvedAt: orders.approvedAt })
    .from(orders)
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .leftJoin(printProofs, eq(printProofs.orderId, orders.id))
    .where(and(eq(orders.status, 'approved'), sql`${printProofs.orderId} IS NULL`, scope.buyerId ? eq(orders.buyerId, scope.buyerId) : undefined))
    .orderBy(orders.approvedAt)
    .all();
}

/** Orders whose buyer was already reminded of its waiting proof (an audit entry per reminder, kept for ever). */
export function remindedOrderIds(db: DbOrTx, orderIds: string[]): Set<string> {
  if (orderIds.length === 0) return new Set();
  const rows = db
    .select({ id: auditLog.subjectId })
    .from(auditLog)
    .where(and(eq(auditLog.action, PROOF_REMINDER_ACTION), eq(auditLog.subjectType, 'order'), inArray(auditLog.subjectId, orderIds)))
    .all();
  return new Set(rows.map((r) => r.id!));
}

export const PROOF_REMINDER_ACTION = 'order.print_proof_reminded';
