/** Invitation links: issued, superseded, used, revoked, and the pending ones of an organisation. */
import { and, desc, eq, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../../db/client.ts';
import { invitations, users } from '../../../db/schema/accounts.ts';

export function insertInvitation(db: DbOrTx, row: typeof invitations.$inferInsert): void {
  db.insert(invitations).values(row).run();
}

/** Marks every pending invitation of the user used; gives how many there were. */
export function closePendingInvitations(db: DbOrTx, userId: string, nowIso: string): number {
  return db
    .update(invitations)
    .set({ usedAt: nowIso })
    .where(and(eq(invitations.userId, userId), isNull(invitations.usedAt)))
    .run().changes;
}

/** Conditional update: of two concurrent acceptances, only one changes the row (true for that one). */
export function markInvitationUsed(db: DbOrTx, invitationId: string, nowIso: string): boolean {
  return (
    db
      .update(invitations)
      .set({ usedAt: nowIso })
      .where(and(eq(invitations.id, invitationId), isNull(invitations.usedAt)))
      .run().changes === 1
  );
}

const inviter = alias(users, 'inviter');

export function listPendingInvitationsOf(db: DbOrTx, organisationId: string) {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      sentAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
      invitedBy: inviter.name,
    })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .leftJoin(inviter, eq(inviter.id, invitations.createdByUserId))
    .where(and(eq(users.organisationId, organisationId), isNull(invitations.usedAt)))
    .orderBy(desc(invitations.createdAt))
    .all();
}

export function findUserOfOrganisation(db: DbOrTx, organisationId: string, userId: string) {
  return db.select().from(users).where(and(eq(users.id, userId), eq(users.organisationId, organisationId))).get();
}
