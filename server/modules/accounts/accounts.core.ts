import type { Db } from '../../../db/client.ts';
import type { OrganisationKind } from '../../../db/schema/accounts.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId, randomToken, sha256Hex } from '../../shared/secrets.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { type Actor } from '../identity/actor.ts';
import { credentialsChanged, type ActorCache } from '../identity/actor-cache.ts';
import { deleteSession, deleteSessionsExpiredBefore, findOperatorOrganisation, insertOrganisation, insertSession, insertUser, organisationOfUser } from './credentials.repository.ts';
import { findActiveApiToken, findActiveSession, findOrganisation, findUserByEmail, findUserInOrganisation, touchApiToken, type ActorRow, type OrganisationRow, type UserRow } from './accounts.repository.ts';
import { NOTICE_AFTER_FAILURES, type LoginThrottle } from '../security/login-throttle.ts';
import { recordSecurityEvent } from '../security/security-events.repository.ts';
import { noticeRepeatedLoginFailures } from '../security/notices.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';
import { invalidCredentials, tooManyLoginAttempts } from './accounts.errors.ts';

export const SESSION_DURATION_MS = 12 * 3600_000;
export const INVITATION_DURATION_MS = 7 * 24 * 3600_000;

export interface Deps {
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
    throw tooManyLoginAttempts(wait, waitMessage(wait));
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
    throw invalidCredentials();
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
    deleteSessionsExpiredBefore(tx, now.toISOString());
    insertSession(tx, {
      id: sessionId,
      userId: user.id,
      createdAt: now.toISOString(),
      expiresAt,
      authMethod,
      secondFactorAt: secondFactor ? now.toISOString() : null,
      idTokenHint: idTokenHint ?? null,
    });
    recordAudit(tx, clock, { userId: user.id, organisationId: user.organisationId }, 'session.login', { type: 'user', id: user.id });
    recordSecurityEvent(tx, clock, {
      kind: authMethod === 'proconnect' ? 'proconnect.succeeded' : 'login.succeeded',
      userId: user.id,
      organisationId: user.organisationId,
      ip,
      data: { secondFactor },
    });
    return organisationOfUser(tx, user)!;
  });
  return { sessionToken, actor: toActor({ user, organisation: org }, 'session', sessionId), expiresAt };
}

/** The actor of a user found by e-mail, as scripts and the demo seed act on behalf of a person. */
export function actorForEmail(db: Db, email: string): Actor | undefined {
  const user = findUserByEmail(db, email);
  if (!user) return undefined;
  const organisation = organisationOfUser(db, user)!;
  return toActor({ user, organisation }, 'token');
}

/** Ends the session; returns its ProConnect ID token, if any, to end the provider's session too. */
export function logout({ db, sessionId }: { db: Db; sessionId: string }): { idTokenHint: string | null } {
  const ended = deleteSession(db, sessionId);
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
    insertOrganisation(tx, row);
    recordAudit(tx, clock, actor, 'organisation.created', { type: 'organisation', id: row.id }, { kind: row.kind, name: row.name });
    return row;
  });
}

/** Creates the operator admin named by BOOTSTRAP_ADMIN_* when no account has that e-mail yet. */
export async function ensureBootstrapAdmin({ db, clock, email, password }: Deps & { email: string; password: string }): Promise<boolean> {
  if (findUserByEmail(db, email)) return false;
  const passwordHash = await hashPassword(password);
  return db.transaction((tx) => {
    if (findUserByEmail(tx, email)) return false;
    let operator = findOperatorOrganisation(tx);
    const now = clock.now().toISOString();
    if (!operator) {
      operator = { id: newId(), kind: 'operator', name: 'Opérateur national du Pass numérique', siret: null, buyerType: null, communeCode: null, address: null, status: 'active', createdAt: now, prescriberKind: null };
      insertOrganisation(tx, operator);
    }
    const userId = newId();
    insertUser(tx, { id: userId, organisationId: operator.id, email: email.toLowerCase(), name: 'Administrateur', role: 'admin', passwordHash, createdAt: now });
    recordAudit(tx, clock, null, 'user.bootstrap_admin_created', { type: 'user', id: userId });
    return true;
  });
}

