import { and, desc, eq, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { invitations, users } from '../../../db/schema/accounts.ts';
import type { Clock } from '../../shared/clock.ts';
import { forbidden, notFound } from '../../shared/problem.ts';
import { recordAudit } from '../audit/audit.ts';
import { isOperator, type Actor } from './actor.ts';

/** Pending invitations of an organisation, and their revocation: for its admins and the operator's. */
function assertCanManage(actor: Actor, organisationId: string): void {
  if (actor.role !== 'admin' || (!isOperator(actor) && actor.organisationId !== organisationId)) {
    throw forbidden('forbidden', 'Seuls les administrateurs de l’organisation gèrent ses invitations.');
  }
}

const inviter = alias(users, 'inviter');

function pendingOf(db: DbOrTx, organisationId: string, nowIso: string) {
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
    .all()
    .map((row) => ({ ...row, expired: row.expiresAt <= nowIso }));
}

export function listPendingInvitations({ db, clock, actor, organisationId }: { db: Db; clock: Clock; actor: Actor; organisationId: string }) {
  if (!isOperator(actor) && actor.organisationId !== organisationId) throw notFound('organisation_not_found', 'Organisation introuvable.');
  assertCanManage(actor, organisationId);
  return pendingOf(db, organisationId, clock.now().toISOString());
}

/** The link dies at once; the user stays, without password, until an admin invites them again. */
export function revokeInvitation({ db, clock, actor, organisationId, userId }: { db: Db; clock: Clock; actor: Actor; organisationId: string; userId: string }): void {
  if (!isOperator(actor) && actor.organisationId !== organisationId) throw notFound('organisation_not_found', 'Organisation introuvable.');
  assertCanManage(actor, organisationId);
  db.transaction((tx) => {
    const user = tx.select().from(users).where(and(eq(users.id, userId), eq(users.organisationId, organisationId))).get();
    if (!user) throw notFound('user_not_found', 'Utilisateur introuvable.');
    const now = clock.now().toISOString();
    const revoked = tx.update(invitations).set({ usedAt: now }).where(and(eq(invitations.userId, userId), isNull(invitations.usedAt))).run();
    if (revoked.changes === 0) throw notFound('invitation_not_found', 'Aucune invitation en attente pour cet utilisateur.');
    recordAudit(tx, clock, actor, 'user.invitation_revoked', { type: 'user', id: userId });
  });
}
