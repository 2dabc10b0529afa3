import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { closePendingInvitations, findUserOfOrganisation, listPendingInvitationsOf } from './invitations.repository.ts';
import { noPendingInvitation, onlyAdminsManageInvitations, organisationNotFound, userNotFound } from './accounts.errors.ts';

/** Pending invitations of an organisation, and their revocation: for its admins and the operator's. */
function assertCanManage(actor: Actor, organisationId: string): void {
  if (actor.role !== 'admin' || (!isOperator(actor) && actor.organisationId !== organisationId)) {
    throw onlyAdminsManageInvitations();
  }
}

export function listPendingInvitations({ db, clock, actor, organisationId }: { db: Db; clock: Clock; actor: Actor; organisationId: string }) {
  if (!isOperator(actor) && actor.organisationId !== organisationId) throw organisationNotFound();
  assertCanManage(actor, organisationId);
  const nowIso = clock.now().toISOString();
  return listPendingInvitationsOf(db, organisationId).map((row) => ({ ...row, expired: row.expiresAt <= nowIso }));
}

/** The link dies at once; the user stays, without password, until an admin invites them again. */
export function revokeInvitation({ db, clock, actor, organisationId, userId }: { db: Db; clock: Clock; actor: Actor; organisationId: string; userId: string }): void {
  if (!isOperator(actor) && actor.organisationId !== organisationId) throw organisationNotFound();
  assertCanManage(actor, organisationId);
  db.transaction((tx) => {
    const user = findUserOfOrganisation(tx, organisationId, userId);
    if (!user) throw userNotFound();
    const now = clock.now().toISOString();
    if (closePendingInvitations(tx, userId, now) === 0) throw noPendingInvitation();
    recordAudit(tx, clock, actor, 'user.invitation_revoked', { type: 'user', id: userId });
  });
}
