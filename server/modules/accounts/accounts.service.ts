import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client.ts';
import { apiTokens, invitations, organisations, sessions, users, type OrganisationKind } from '../../../db/schema/accounts.ts';
import type { Clock } from '../../shared/clock.ts';
import { forbidden, notFound, tooManyRequests, unauthorized, unprocessable, conflict } from '../../shared/problem.ts';
import { newId, randomToken, sha256Hex } from '../../shared/secrets.ts';
import { recordAudit } from '../audit/audit.ts';
import { isOperator, type Actor } from './actor.ts';
import { credentialsChanged, type ActorCache } from './actor-cache.ts';
import {
  findActiveApiToken,
  findActiveSession,
  findInvitationByTokenHash,
  findOrganisation,
  findUserByEmail,
  findUserInOrganisation,
  listUsersOfOrganisation,
  touchApiToken,
  type ActorRow,
  type OrganisationRow,
  type UserRow,
} from './accounts.repository.ts';
import { NOTICE_AFTER_FAILURES, type LoginThrottle } from './login-throttle.ts';
import { recordSecurityEvent } from '../security/security-events.ts';
import { noticeRepeatedLoginFailures } from '../security/notices.ts';
import { enqueueMessage } from '../notifications/outbox.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';

export const SESSION_DURATION_MS = 12 * 3600_000;
export const INVITATION_DURATION_MS = 7 * 24 * 3600_000;

interface Deps {
  db: Db;
  clock: Clock;
}

function toActor(row: ActorRow, via: Actor['via'], sessionId?: string): Actor {
  return {
    userId: row.user.id,
    email: row.user.email,
    name: row.user.name,
    role: row.user.role,
    organisationId: row.organisation.id,
    organisationKind: row.organisation.kind,
    organisationName: row.organisation.name,
    via,
    sessionId,
  };
}

export function userToView(user: UserRow) {
  return {
    id: user.id,
    organisationId: user.organisationId,
    email: user.email,
    name: user.name,
    role: user.role,
    disabled: user.disabled,
    // In use once the invitation was accepted, with a password or with ProConnect.
    active: user.passwordHash !== null || user.proconnectSub !== null,
    createdAt: user.createdAt,
  };
}

export function organisationToView(org: OrganisationRow) {
  return {
    id: org.id,
    kind: org.kind,
    name: org.name,
    siret: org.siret,
    buyerType: org.buyerType,
    communeCode: org.communeCode,
    address: org.address,
    status: org.status,
    createdAt: org.createdAt,
  };
}

const BAD_CREDENTIALS = 'Adresse e-mail ou mot de passe incorrect.';

function waitMessage(seconds: number): string {
  return seconds < 120 ? `${seconds} seconde(s)` : `${Math.ceil(seconds / 60)} minute(s)`;
}

/**
 * The user whose e-mail and password these are, or a refusal. Every failure (unknown e-mail, wrong
 * password, disabled account, invitation not yet accepted) gives the same message after the same
 * work. Failures slow the next attempts down (LoginThrottle) instead of locking the account, and
 * its owner is told when they pile up.
 */
export async function checkPassword(
  deps: Deps & { throttle: LoginThrottle; email: string; password: string; ip: string },
): Promise<UserRow> {
  const { db, clock, throttle, email, password, ip } = deps;
  const wait = throttle.retryAfterSeconds(email, ip);
  if (wait > 0) {
    throw tooManyRequests('too_many_login_attempts', `Trop de tentatives de connexion. Réessayez dans ${waitMessage(wait)}.`, wait);
  }
  const user = findUserByEmail(db, email);
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!user || !user.passwordHash || user.disabled || !passwordOk) {
    const failures = throttle.recordFailure(email, ip);
    db.transaction((tx) => {
      recordSecurityEvent(tx, clock, { kind: 'login.failed', userId: user?.id, organisationId: user?.organisationId, ip, data: user ? undefined : { email } });
      if (user && failures === NOTICE_AFTER_FAILURES) {
        noticeRepeatedLoginFailures(tx, clock, { userId: user.id, organisationId: user.organisationId, email: user.email, name: user.name, ip, failures });
      }
    });
    throw unauthorized('invalid_credentials', BAD_CREDENTIALS);
  }
  throttle.recordSuccess(email, ip);
  return user;
}

/** Opens a session for a user already authenticated (password, and second factor or ProConnect when they apply). */
export function openSession(
  deps: Deps & { user: UserRow; ip: string; authMethod?: 'password' | 'proconnect'; secondFactor?: boolean; idTokenHint?: string },
): { sessionToken: string; actor: Actor; expiresAt: string } {
  const { db, clock, user, ip, authMethod = 'password', secondFactor = false, idTokenHint } = deps;
  const sessionToken = randomToken();
  const sessionId = sha256Hex(sessionToken);
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_DURATION_MS).toISOString();
  const org = db.transaction((tx) => {
    tx.delete(sessions).where(lt(sessions.expiresAt, now.toISOString())).run();
    tx.insert(sessions)
      .values({
        id: sessionId,
        userId: user.id,
        createdAt: now.toISOString(),
        expiresAt,
        authMethod,
        secondFactorAt: secondFactor ? now.toISOString() : null,
        idTokenHint: idTokenHint ?? null,
      })
      .run();
    recordAudit(tx, clock, { userId: user.id, organisationId: user.organisationId }, 'session.login', { type: 'user', id: user.id });
    recordSecurityEvent(tx, clock, {
      kind: authMethod === 'proconnect' ? 'proconnect.succeeded' : 'login.succeeded',
      userId: user.id,
      organisationId: user.organisationId,
      ip,
      data: { secondFactor },
    });
    return tx.select().from(organisations).where(eq(organisations.id, user.organisationId)).get()!;
  });
  return { sessionToken, actor: toActor({ user, organisation: org }, 'session', sessionId), expiresAt };
}

/** The actor of a user found by e-mail, as scripts and the demo seed act on behalf of a person. */
export function actorForEmail(db: Db, email: string): Actor | undefined {
  const user = findUserByEmail(db, email);
  if (!user) return undefined;
  const organisation = db.select().from(organisations).where(eq(organisations.id, user.organisationId)).get()!;
  return toActor({ user, organisation }, 'token');
}

/** Ends the session; returns its ProConnect ID token, if any, to end the provider's session too. */
export function logout({ db, sessionId }: { db: Db; sessionId: string }): { idTokenHint: string | null } {
  const ended = db.delete(sessions).where(eq(sessions.id, sessionId)).returning({ idTokenHint: sessions.idTokenHint }).get();
  credentialsChanged(db);
  return { idTokenHint: ended?.idTokenHint ?? null };
}

/** The caller behind a session cookie, or null (unknown, expired, or its user disabled). */
export function resolveSession({ db, clock, sessionToken, cache }: Deps & { sessionToken: string; cache?: ActorCache }): Actor | null {
  const sessionId = sha256Hex(sessionToken);
  const now = clock.now();
  const cached = cache?.get(db, `session:${sessionId}`, now);
  if (cached) return cached;
  const found = findActiveSession(db, sessionId, now.toISOString());
  if (!found) return null;
  const { expiresAt, ...row } = found;
  const actor: Actor = { ...row, mfaEnabled: Boolean(row.mfaEnabled), via: 'session', sessionId };
  cache?.set(db, `session:${sessionId}`, actor, now, expiresAt);
  return actor;
}

/** The caller behind an API token, or null (unknown, revoked, or its user disabled). */
export function resolveApiToken({ db, clock, token, cache }: Deps & { token: string; cache?: ActorCache }): Actor | null {
  const tokenHash = sha256Hex(token);
  const now = clock.now();
  const cached = cache?.get(db, `token:${tokenHash}`, now);
  if (cached) return cached;
  const row = findActiveApiToken(db, tokenHash, now.toISOString());
  if (!row) return null;
  // Recorded at most once a minute: a write on every API call would cost more than the call itself.
  // The UPDATE is only sent when the last use read above is stale (it re-checks, for a concurrent writer).
  const staleBefore = new Date(now.getTime() - 60_000).toISOString();
  if (row.lastUsedAt === null || row.lastUsedAt < staleBefore) touchApiToken(db, row.tokenId, now.toISOString(), staleBefore);
  const { tokenId: _tokenId, lastUsedAt: _lastUsedAt, expiresAt, ...fields } = row;
  const actor: Actor = { ...fields, via: 'token', sessionId: undefined };
  cache?.set(db, `token:${tokenHash}`, actor, now, expiresAt ?? undefined);
  return actor;
}

export function getMe({ db, actor }: { db: Db; actor: Actor }) {
  const org = findOrganisation(db, actor, actor.organisationId)!;
  const user = findUserInOrganisation(db, actor, actor.organisationId, actor.userId)!;
  return { user: userToView(user), organisation: organisationToView(org) };
}

export function createOrganisation(
  deps: Deps & {
    actor: Actor;
    input: {
      kind: OrganisationKind;
      name: string;
      siret?: string;
      buyerType?: OrganisationRow['buyerType'];
      communeCode?: string;
      address?: string;
      prescriberKind?: OrganisationRow['prescriberKind'];
    };
  },
): OrganisationRow {
  const { db, clock, actor, input } = deps;
  return db.transaction((tx) => {
    const row: OrganisationRow = {
      id: newId(),
      kind: input.kind,
      name: input.name,
      siret: input.siret ?? null,
      buyerType: input.buyerType ?? null,
      communeCode: input.communeCode ?? null,
      address: input.address ?? null,
      status: 'active',
      createdAt: clock.now().toISOString(),
      prescriberKind: input.prescriberKind ?? null,
    };
    tx.insert(organisations).values(row).run();
    recordAudit(tx, clock, actor, 'organisation.created', { type: 'organisation', id: row.id }, { kind: row.kind, name: row.name });
    return row;
  });
}

/** Only the operator's admins and the organisation's own admins manage its users. */
function assertCanManageUsers(actor: Actor, organisationId: string): void {
  const allowed = actor.role === 'admin' && (isOperator(actor) || actor.organisationId === organisationId);
  if (!allowed) throw forbidden('forbidden', 'Seuls les administrateurs de l’organisation gèrent ses utilisateurs.');
}

export function issueInvitation(tx: Tx, clock: Clock, actor: Actor | null, userId: string) {
  const token = randomToken();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + INVITATION_DURATION_MS).toISOString();
  // A new invitation replaces any earlier one still pending: only the latest link works.
  tx.update(invitations)
    .set({ usedAt: now.toISOString() })
    .where(and(eq(invitations.userId, userId), isNull(invitations.usedAt)))
    .run();
  tx.insert(invitations)
    .values({ id: newId(), userId, tokenHash: sha256Hex(token), expiresAt, createdByUserId: actor?.userId ?? null, createdAt: now.toISOString() })
    .run();
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
  tx.insert(users)
    .values({ id: userId, organisationId: input.organisationId, email: input.email.toLowerCase(), name: input.name, role: input.role, createdAt: clock.now().toISOString() })
    .run();
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
      if (!org) throw notFound('organisation_not_found', 'Organisation introuvable.');
      assertCanManageUsers(actor, organisationId);
      if (input.role === 'finance' && org.kind !== 'operator') {
        throw unprocessable('role_not_allowed', 'Le rôle « Finances » est réservé aux utilisateurs de l’opérateur.');
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
    if (!user) throw notFound('user_not_found', 'Utilisateur introuvable.');
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
  if (!found) throw notFound('invitation_not_found', 'Cette invitation n’existe pas.');
  if (found.invitation.usedAt) throw conflict('invitation_already_used', 'Cette invitation a déjà été utilisée ou remplacée par une plus récente.');
  if (found.invitation.expiresAt <= clock.now().toISOString()) {
    throw unprocessable('invitation_expired', 'Cette invitation a expiré : demandez-en une nouvelle à un administrateur.');
  }
  return { email: found.user.email, name: found.user.name, expiresAt: found.invitation.expiresAt };
}

/**
 * Ends every way in for this user: sessions deleted, API tokens revoked, cached callers forgotten.
 * Called in the transaction that sets a new password (change, invitation, reset), so the old
 * credentials stop working at the same instant the new one starts.
 */
export function revokeAllCredentials({ tx, clock, userId }: { tx: Tx; clock: Clock; userId: string }): void {
  tx.delete(sessions).where(eq(sessions.userId, userId)).run();
  tx.update(apiTokens)
    .set({ revokedAt: clock.now().toISOString() })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .run();
  credentialsChanged(tx);
}

/** A signed-in person chooses a new password: the current one is asked again, every session and token ends. */
export async function changePassword(
  deps: Deps & { actor: Actor; currentPassword: string; newPassword: string; ip: string },
): Promise<void> {
  const { db, clock, actor, currentPassword, newPassword, ip } = deps;
  const user = findUserByEmail(db, actor.email);
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, currentPassword))) {
    throw unprocessable('current_password_incorrect', 'Le mot de passe actuel est incorrect.');
  }
  const passwordHash = await hashPassword(newPassword);
  db.transaction(
    (tx) => {
      tx.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
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
      // Conditional update: of two concurrent acceptances, only one changes the row.
      const used = tx
        .update(invitations)
        .set({ usedAt: now })
        .where(and(eq(invitations.id, found!.invitation.id), isNull(invitations.usedAt)))
        .run();
      if (used.changes !== 1) throw conflict('invitation_already_used', 'Cette invitation a déjà été utilisée.');
      tx.update(users).set({ passwordHash }).where(eq(users.id, found!.user.id)).run();
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
  if (!org) throw notFound('organisation_not_found', 'Organisation introuvable.');
  return listUsersOfOrganisation(db, organisationId);
}

export function setUserDisabled(deps: Deps & { actor: Actor; organisationId: string; userId: string; disabled: boolean }): UserRow {
  const { db, clock, actor, organisationId, userId, disabled } = deps;
  return db.transaction((tx) => {
    const user = findUserInOrganisation(tx, actor, organisationId, userId);
    if (!user) throw notFound('user_not_found', 'Utilisateur introuvable.');
    assertCanManageUsers(actor, organisationId);
    if (user.id === actor.userId) throw unprocessable('cannot_disable_self', 'Vous ne pouvez pas désactiver votre propre compte.');
    tx.update(users).set({ disabled }).where(eq(users.id, userId)).run();
    if (disabled) tx.delete(sessions).where(eq(sessions.userId, userId)).run();
    credentialsChanged(tx);
    recordAudit(tx, clock, actor, disabled ? 'user.disabled' : 'user.enabled', { type: 'user', id: userId });
    return { ...user, disabled };
  });
}

/**
 * Tokens are made by a person in a session, never by another token: a leaked token must not be
 * able to mint fresh ones that outlive its revocation.
 */
export function createApiToken({ db, clock, actor, name, expiresInDays, ip }: Deps & { actor: Actor; name: string; expiresInDays?: number; ip?: string }) {
  if (actor.via !== 'session') throw forbidden('session_required', 'Un jeton d’API se crée depuis une session ouverte, pas avec un autre jeton.');
  const token = randomToken('pn_');
  const now = clock.now();
  const expiresAt = expiresInDays === undefined ? null : new Date(now.getTime() + expiresInDays * 86_400_000).toISOString();
  const row = { id: newId(), userId: actor.userId, name, tokenHash: sha256Hex(token), createdAt: now.toISOString(), lastUsedAt: null, expiresAt };
  db.transaction((tx) => {
    tx.insert(apiTokens).values(row).run();
    recordAudit(tx, clock, actor, 'api_token.created', { type: 'api_token', id: row.id }, { name });
    recordSecurityEvent(tx, clock, { kind: 'api_token.created', userId: actor.userId, organisationId: actor.organisationId, ip, data: { tokenId: row.id, name, expiresAt } });
  });
  return { id: row.id, name, createdAt: row.createdAt, lastUsedAt: null, expiresAt, token };
}

export function listApiTokens({ db, actor }: { db: Db; actor: Actor }) {
  return db
    .select({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, actor.userId), isNull(apiTokens.revokedAt)))
    .all();
}

export function revokeApiToken({ db, clock, actor, tokenId, ip }: Deps & { actor: Actor; tokenId: string; ip?: string }): void {
  db.transaction((tx) => {
    const done = tx
      .update(apiTokens)
      .set({ revokedAt: clock.now().toISOString() })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, actor.userId), isNull(apiTokens.revokedAt)))
      .run();
    if (done.changes !== 1) throw notFound('api_token_not_found', 'Jeton introuvable.');
    credentialsChanged(tx);
    recordAudit(tx, clock, actor, 'api_token.revoked', { type: 'api_token', id: tokenId });
    recordSecurityEvent(tx, clock, { kind: 'api_token.revoked', userId: actor.userId, organisationId: actor.organisationId, ip, data: { tokenId } });
  });
}

/** Creates the operator admin named by BOOTSTRAP_ADMIN_* when no account has that e-mail yet. */
export async function ensureBootstrapAdmin({ db, clock, email, password }: Deps & { email: string; password: string }): Promise<boolean> {
  if (findUserByEmail(db, email)) return false;
  const passwordHash = await hashPassword(password);
  return db.transaction((tx) => {
    if (findUserByEmail(tx, email)) return false;
    let operator = tx.select().from(organisations).where(eq(organisations.kind, 'operator')).get();
    const now = clock.now().toISOString();
    if (!operator) {
      operator = { id: newId(), kind: 'operator', name: 'Opérateur national du Pass numérique', siret: null, buyerType: null, communeCode: null, address: null, status: 'active', createdAt: now, prescriberKind: null };
      tx.insert(organisations).values(operator).run();
    }
    const userId = newId();
    tx.insert(users).values({ id: userId, organisationId: operator.id, email: email.toLowerCase(), name: 'Administrateur', role: 'admin', passwordHash, createdAt: now }).run();
    recordAudit(tx, clock, null, 'user.bootstrap_admin_created', { type: 'user', id: userId });
    return true;
  });
}
