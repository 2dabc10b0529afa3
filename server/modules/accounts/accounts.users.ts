/** Users of an organisation: invitations (issued, mailed, accepted, reissued), passwords, disabling. */
import type { Db, Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId, randomToken, sha256Hex } from '../../shared/secrets.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { credentialsChanged } from '../identity/actor-cache.ts';
import { deleteSessionsOfUser, insertUser, revokeApiTokensOfUser, setPasswordHash, setUserDisabledFlag } from './credentials.repository.ts';
import { closePendingInvitations, insertInvitation, markInvitationUsed } from './invitations.repository.ts';
import { findInvitationByTokenHash, findOrganisation, findUserByEmail, findUserInOrganisation, listUsersOfOrganisation, type UserRow } from './accounts.repository.ts';
import { recordSecurityEvent } from '../security/security-events.repository.ts';
import { enqueueMessage } from '../notifications/outbox.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

import { INVITATION_DURATION_MS, type Deps } from './accounts.core.ts';
import { cannotDisableSelf, currentPasswordIncorrect, financeRoleIsOperatorOnly, invitationAlreadyUsed, invitationExpired, invitationNotFound, invitationUsedOrReplaced, onlyAdminsManageUsers, organisationNotFound, userNotFound } from './accounts.errors.ts';

/** Only the operator's admins and the organisation's own admins manage its users. */
function assertCanManageUsers(actor: Actor, organisationId: string): void {
  const allowed = actor.role === 'admin' && (isOperator(actor) || actor.organisationId === organisationId);
  if (!allowed) throw onlyAdminsManageUsers();
}

export function issueInvitation(tx: Tx, clock: Clock, actor: Actor | null, userId: string) {
  const token = randomToken();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + INVITATION_DURATION_MS).toISOString();
  // A new invitation replaces any earlier one still pending: only the latest link works.
  closePendingInvitations(tx, userId, now.toISOString());
  insertInvitation(tx, { id: newId(), userId, tokenHash: sha256Hex(token), expiresAt, createdByUserId: actor?.userId ?? null, createdAt: now.toISOString() });
  return { token, expiresAt };
}

/**
 * A user row without password and its invitation, inside the caller's transaction. For the callers
 * that create an account on someone's behalf (an admin's invitation, a labelled place's contact,
 * a buyer's new prescriber); they check the e-mail is free and send the message of their event.
 */
export function createInvitedUser(
  tx: Tx,
  clock: Clock,
  actor: Actor | null,
  input: { organisationId: string; email: string; name: string; role: UserRow['role'] },
): { userId: string; token: string; expiresAt: string } {
  const userId = newId();
  insertUser(tx, { id: userId, organisationId: input.organisationId, email: input.email.toLowerCase(), name: input.name, role: input.role, createdAt: clock.now().toISOString() });
  const { token, expiresAt } = issueInvitation(tx, clock, actor, userId);
  recordAudit(tx, clock, actor, 'user.invited', { type: 'user', id: userId }, { email: input.email, role: input.role });
  return { userId, token, expiresAt };
}

/** The invitation mail, queued in the transaction that created the invitation: same token as the one returned. */
export function mailInvitation(
  tx: Tx,
  clock: Clock,
  m: { email: string; name: string; userId: string; organisationId: string; organisationName: string; inviterName: string | null; token: string; expiresAt: string },
): void {
  enqueueMessage({
    tx,
    clock,
    template: 'invitation',
    to: { email: m.email, userId: m.userId, organisationId: m.organisationId },
    data: { name: m.name, organisationName: m.organisationName, inviterName: m.inviterName, token: m.token, expiresAt: m.expiresAt },
  });
}

export function invitationUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/invitation/${token}`;
}

export function inviteUser(
  deps: Deps & { actor: Actor; organisationId: string; input: { email: string; name: string; role: UserRow['role'] }; publicUrl: string },
) {
  const { db, clock, actor, organisationId, input, publicUrl } = deps;
  return db.transaction(
    (tx) => {
      const org = findOrganisation(tx, actor, organisationId);
      if (!org) throw organisationNotFound();
      assertCanManageUsers(actor, organisationId);
      if (input.role === 'finance' && org.kind !== 'operator') {
        throw financeRoleIsOperatorOnly();
      }
      const existing = findUserByEmail(tx, input.email);
      if (existing) {
        // The same answer as for a new address, so that inviting cannot tell which addresses have an
        // account (in any organisation). The link works for no one; the event is recorded for the
        // operator and the owner of the address can be told by mail from here.
        recordSecurityEvent(tx, clock, {
          kind: 'user.invited_existing_address',
          userId: existing.id,
          organisationId: existing.organisationId,
          actorUserId: actor.userId,
          data: { invitingOrganisationId: organisationId },
        });
        const token = randomToken();
        const expiresAt = new Date(clock.now().getTime() + INVITATION_DURATION_MS).toISOString();
        return { id: newId(), invitationToken: token, invitationUrl: invitationUrl(publicUrl, token), expiresAt };
      }
      const { userId, token, expiresAt } = createInvitedUser(tx, clock, actor, { organisationId, ...input });
      mailInvitation(tx, clock, { email: input.email, name: input.name, userId, organisationId, organisationName: org.name, inviterName: actor.name, token, expiresAt });
      return { id: userId, invitationToken: token, invitationUrl: invitationUrl(publicUrl, token), expiresAt };
    },
    { behavior: 'immediate' },
  );
}

/** Password reset: an admin issues a new invitation; accepting it sets a new password and closes every session. */
export function reissueInvitation(deps: Deps & { actor: Actor; organisationId: string; userId: string; publicUrl: string }) {
  const { db, clock, actor, organisationId, userId, publicUrl } = deps;
  return db.transaction((tx) => {
    const user = findUserInOrganisation(tx, actor, organisationId, userId);
    if (!user) throw userNotFound();
    assertCanManageUsers(actor, organisationId);
    const { token, expiresAt } = issueInvitation(tx, clock, actor, userId);
    const organisationName = findOrganisation(tx, actor, organisationId)!.name;
    mailInvitation(tx, clock, { email: user.email, name: user.name, userId, organisationId, organisationName, inviterName: actor.name, token, expiresAt });
    recordAudit(tx, clock, actor, 'user.invitation_reissued', { type: 'user', id: userId });
    return { id: userId, invitationToken: token, invitationUrl: invitationUrl(publicUrl, token), expiresAt };
  });
}

export function describeInvitation({ db, clock, token }: Deps & { token: string }) {
  const found = findInvitationByTokenHash(db, sha256Hex(token));
  if (!found) throw invitationNotFound();
  if (found.invitation.usedAt) throw invitationUsedOrReplaced();
  if (found.invitation.expiresAt <= clock.now().toISOString()) {
    throw invitationExpired();
  }
  return { email: found.user.email, name: found.user.name, expiresAt: found.invitation.expiresAt };
}

/**
 * Ends every way in for this user: sessions deleted, API tokens revoked, cached callers forgotten.
 * Called in the transaction that sets a new password (change, invitation, reset), so the old
 * credentials stop working at the same instant the new one starts.
 */
export function revokeAllCredentials({ tx, clock, userId }: { tx: Tx; clock: Clock; userId: string }): void {
  deleteSessionsOfUser(tx, userId);
  revokeApiTokensOfUser(tx, userId, clock.now().toISOString());
  credentialsChanged(tx);
}

/** A signed-in person chooses a new password: the current one is asked again, every session and token ends. */
export async function changePassword(
  deps: Deps & { actor: Actor; currentPassword: string; newPassword: string; ip: string },
): Promise<void> {
  const { db, clock, actor, currentPassword, newPassword, ip } = deps;
  const user = findUserByEmail(db, actor.email);
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, currentPassword))) {
    throw currentPasswordIncorrect();
  }
  const passwordHash = await hashPassword(newPassword);
  db.transaction(
    (tx) => {
      setPasswordHash(tx, user.id, passwordHash);
      revokeAllCredentials({ tx, clock, userId: user.id });
      recordAudit(tx, clock, actor, 'user.password_changed', { type: 'user', id: user.id });
      recordSecurityEvent(tx, clock, { kind: 'password.changed', userId: user.id, organisationId: user.organisationId, ip });
    },
    { behavior: 'immediate' },
  );
}

export async function acceptInvitation({ db, clock, token, password }: Deps & { token: string; password: string }): Promise<void> {
  describeInvitation({ db, clock, token });
  const passwordHash = await hashPassword(password);
  db.transaction(
    (tx) => {
      const found = findInvitationByTokenHash(tx, sha256Hex(token));
      const now = clock.now().toISOString();
      if (!markInvitationUsed(tx, found!.invitation.id, now)) throw invitationAlreadyUsed();
      setPasswordHash(tx, found!.user.id, passwordHash);
      revokeAllCredentials({ tx, clock, userId: found!.user.id });
      recordAudit(tx, clock, { userId: found!.user.id, organisationId: found!.user.organisationId }, 'user.password_set', {
        type: 'user',
        id: found!.user.id,
      });
    },
    { behavior: 'immediate' },
  );
}

export function listUsers({ db, actor, organisationId }: { db: Db; actor: Actor; organisationId: string }) {
  const org = findOrganisation(db, actor, organisationId);
  if (!org) throw organisationNotFound();
  return listUsersOfOrganisation(db, organisationId);
}

export function setUserDisabled(deps: Deps & { actor: Actor; organisationId: string; userId: string; disabled: boolean }): UserRow {
  const { db, clock, actor, organisationId, userId, disabled } = deps;
  return db.transaction((tx) => {
    const user = findUserInOrganisation(tx, actor, organisationId, userId);
    if (!user) throw userNotFound();
    assertCanManageUsers(actor, organisationId);
    if (user.id === actor.userId) throw cannotDisableSelf();
    setUserDisabledFlag(tx, userId, disabled);
    if (disabled) deleteSessionsOfUser(tx, userId);
    credentialsChanged(tx);
    recordAudit(tx, clock, actor, disabled ? 'user.disabled' : 'user.enabled', { type: 'user', id: userId });
    return { ...user, disabled };
  });
}

