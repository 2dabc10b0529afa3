import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { forbidden, notFound } from '../../shared/problem.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { isOperator, type Actor } from './actor.ts';
import { closePendingInvitations, findUserOfOrganisation, listPendingInvitationsOf } from './invitations.repository.ts';

/** Pending invitations of an organisation, and their revocation: for its admins and the operator's. */
function assertCanManage(actor: Actor, organisationId: string): void {
  if (actor.role !== 'admin' || (!isOperator(actor) && actor.organisationId !== organisationId)) {
    throw forbidden('forbidden', 'Seuls les administrateurs de l’organisation gèrent ses invitations.');
  }
}

export function listPendingInvitations({ db, clock, actor, organisationId }: { db: Db; clock: Clock; actor: Actor; organisationId: string }) {
  if (!isOperator(actor) && actor.organisationId !== organisationId) throw notFound('organisation_not_found', 'Organisation introuvable.');
  assertCanManage(actor, organisationId);
  const nowIso = clock.now().toISOString();
  return listPendingInvitationsOf(db, organisationId).map((row) => ({ ...row, expired: row.expiresAt <= nowIso }));
}

/** The link dies at once; the user stays, without password, until an admin invites them again. */
export function revokeInvitation({ db, clock, actor, organisationId, userId }: { db: Db; clock: Clock; actor: Actor; organisationId: string; userId: string }): void {
  if (!isOperator(actor) && actor.organisationId !== organisationId) throw notFound('organisation_not_found', 'Organisation introuvable.');
  assertCanManage(actor, organisationId);
  db.transaction((tx) => {
    const user = findUserOfOrganisation(tx, organisationId, userId);
    if (!user) throw notFound('user_not_found', 'Utilisateur introuvable.');
    const now = clock.now().toISOString();
    if (closePendingInvitations(tx, userId, now) === 0) throw notFound('invitation_not_found', 'Aucune invitation en attente pour cet utilisateur.');
    recordAudit(tx, clock, actor, 'user.invitation_revoked', { type: 'user', id: userId });
  });
}
