import { and, asc, desc, eq, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { users, type UserRole } from '../../../db/schema/accounts.ts';
import { outboxMessages } from '../../../db/schema/notifications.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';

export type OutboxRow = typeof outboxMessages.$inferSelect;

export function insertMessage(tx: DbOrTx, row: typeof outboxMessages.$inferInsert): void {
  tx.insert(outboxMessages).values(row).run();
}

/** Oldest due first: a message waiting longer goes before a newer one. */
export function dueMessages(db: DbOrTx, nowIso: string, limit: number): OutboxRow[] {
  return db
    .select()
    .from(outboxMessages)
    .where(and(eq(outboxMessages.status, 'pending'), lte(outboxMessages.nextAttemptAt, nowIso)))
    .orderBy(asc(outboxMessages.nextAttemptAt), asc(outboxMessages.createdAt))
    .limit(limit)
    .all();
}

export function markSent(db: DbOrTx, id: string, attempts: number, nowIso: string): void {
  db.update(outboxMessages)
    .set({ status: 'sent', attempts, sentAt: nowIso, lastError: null })
    .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, 'pending')))
    .run();
}

export function markRetry(db: DbOrTx, id: string, attempts: number, nextAttemptAt: string, error: string): void {
  db.update(outboxMessages)
    .set({ attempts, nextAttemptAt, lastError: error })
    .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, 'pending')))
    .run();
}

export function markFailed(db: DbOrTx, id: string, attempts: number, nowIso: string, error: string): void {
  db.update(outboxMessages)
    .set({ status: 'failed', attempts, failedAt: nowIso, lastError: error })
    .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, 'pending')))
    .run();
}

/** "Renvoyer": a failed message goes back to the queue with a fresh set of attempts. Only a failed one. */
export function requeueFailed(db: DbOrTx, id: string, nowIso: string): boolean {
  return (
    db
      .update(outboxMessages)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: nowIso, failedAt: null })
      .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, 'failed')))
      .run().changes === 1
  );
}

export function findMessage(db: DbOrTx, id: string): OutboxRow | undefined {
  return db.select().from(outboxMessages).where(eq(outboxMessages.id, id)).get();
}

/** Newest first, keyset-paginated on (createdAt, id). */
export function listMessages(
  db: DbOrTx,
  page: { limit: number; after?: { createdAt: string; id: string }; status?: OutboxRow['status']; to?: string },
): OutboxRow[] {
  const after = page.after ? sql`(${outboxMessages.createdAt}, ${outboxMessages.id}) < (${page.after.createdAt}, ${page.after.id})` : undefined;
  return db
    .select()
    .from(outboxMessages)
    .where(and(after, page.status ? eq(outboxMessages.status, page.status) : undefined, page.to ? eq(outboxMessages.toAddress, page.to) : undefined))
    .orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id))
    .limit(page.limit + 1)
    .all();
}

export function countByStatus(db: DbOrTx): Record<OutboxRow['status'], number> {
  const counts = { pending: 0, sent: 0, failed: 0 };
  for (const row of db.select({ status: outboxMessages.status, n: sql<number>`count(*)` }).from(outboxMessages).groupBy(outboxMessages.status).all()) {
    counts[row.status] = row.n;
  }
  return counts;
}

/**
 * The people of an organisation a message concerns: its enabled users with an account in use
 * (invited users who never set a password have nobody reading yet) holding one of the roles.
 * For non-essential notices, those who switched them off are left out.
 */
export function organisationRecipients(db: DbOrTx, organisationId: string, roles: readonly UserRole[], essential: boolean) {
  return db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(
      and(
        eq(users.organisationId, organisationId),
        eq(users.disabled, false),
        or(isNotNull(users.passwordHash), isNotNull(users.proconnectSub)),
        inArray(users.role, [...roles]),
        essential ? undefined : eq(users.noticesOptOut, false),
      ),
    )
    .orderBy(asc(users.email))
    .all();
}

export function organisationHasUsers(db: DbOrTx, organisationId: string): boolean {
  return db.select({ id: users.id }).from(users).where(eq(users.organisationId, organisationId)).limit(1).get() !== undefined;
}

export function emailInUse(db: DbOrTx, email: string): boolean {
  return db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).get() !== undefined;
}

export const OUTBOX_SORTS = { date: outboxMessages.createdAt, destinataire: outboxMessages.toAddress, objet: outboxMessages.subject } as const;
export type OutboxSort = keyof typeof OUTBOX_SORTS;

/** The operator's mail list: search by recipient or subject, by status; the platform's messages are the operator's to read. */
function outboxWhere(criteria: { q: string; status?: OutboxRow['status'] }) {
  return and(criteria.status ? eq(outboxMessages.status, criteria.status) : undefined, searchCondition(criteria.q, [outboxMessages.toAddress, outboxMessages.subject]));
}

const matchingOutbox = (db: DbOrTx, criteria: { q: string; status?: OutboxRow['status'] }) => db.select().from(outboxMessages).where(outboxWhere(criteria)).$dynamic();

export function countOutboxSearch(db: DbOrTx, criteria: { q: string; status?: OutboxRow['status'] }): number {
  return countMatching(db, matchingOutbox(db, criteria));
}

export function searchOutbox(db: DbOrTx, criteria: { q: string; status?: OutboxRow['status'] }, sort: { key: OutboxSort; dir: SortDirection }, window: ListWindow): OutboxRow[] {
  return readWindow(matchingOutbox(db, criteria), orderByFor(OUTBOX_SORTS, sort, outboxMessages.id), window);
}
