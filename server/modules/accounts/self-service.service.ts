import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId, randomToken, sha256Hex } from '../../shared/secrets.ts';
import { AttemptThrottle } from '../../shared/attempt-throttle.ts';
import { countOf } from '../../shared/plural.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { enqueueMessage } from '../notifications/outbox.ts';
import type { Actor } from '../identity/actor.ts';
import { credentialsChanged } from '../identity/actor-cache.ts';
import { findUserByEmail } from './accounts.repository.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import {
  findEmailChange,
  findPasswordReset,
  findUserById,
  insertEmailChange,
  insertPasswordReset,
  replacePassword,
  setNoticesOptOut,
  setUserEmail,
  useEmailChange,
  usePasswordReset,
} from './self-service.repository.ts';
import { emailAlreadyUsed, emailChangeAlreadyUsed, emailChangeExpired, emailChangeNotFound, emailChangeUsedOrReplaced, resetAlreadyUsed, resetExpired, resetNotFound, resetUsedOrReplaced, sameEmail, tooManyResetRequests, wrongCurrentPassword } from './accounts.errors.ts';

export const RESET_DURATION_MS = 3600_000;
export const EMAIL_CHANGE_DURATION_MS = 24 * 3600_000;

interface Deps {
  db: Db;
  clock: Clock;
}

/**
 * Reset requests: per address, at most 3 links an hour (more requests are answered the same way
 * but send nothing, so a stranger cannot flood a mailbox); per IP, 10 requests in 15 minutes, then
 * 429 whatever the address (it says nothing about any account).
 */
export class PasswordResetThrottle {
  readonly addresses: AttemptThrottle;
  readonly ips: AttemptThrottle;
  constructor(clock: Clock) {
    this.addresses = new AttemptThrottle(clock, { maxFailures: 3, windowMs: 3600_000 });
    this.ips = new AttemptThrottle(clock, { maxFailures: 10, windowMs: 15 * 60_000 });
  }
}

export const RESET_REQUESTED_MESSAGE =
  'Si un compte utilise cette adresse, un message vient de lui être envoyé avec un lien pour choisir un nouveau mot de passe, valable une heure.';

/**
 * "Mot de passe oublié": the same answer and the same work whether the address has an account or
 * not (a token is drawn and hashed, a transaction opened), so neither the reply nor its timing
 * tells which addresses exist. Nothing is hashed with argon2 here: the slow part is at reset time.
 */
export function requestPasswordReset({ db, clock, throttle, email, ip }: Deps & { throttle: PasswordResetThrottle; email: string; ip: string }): { message: string } {
  const wait = throttle.ips.retryAfterSeconds(ip);
  if (wait > 0) throw tooManyResetRequests(wait, countOf(Math.ceil(wait / 60), 'minute'));
  throttle.ips.recordFailure(ip);
  const addressAllowed = throttle.addresses.retryAfterSeconds(email) === 0;
  throttle.addresses.recordFailure(email);
  const token = randomToken();
  const tokenHash = sha256Hex(token);
  const now = clock.now();
  db.transaction(
    (tx) => {
      const user = findUserByEmail(tx, email);
      if (!user || user.disabled || !addressAllowed) return;
      insertPasswordReset(tx, { id: newId(), userId: user.id, tokenHash, expiresAt: new Date(now.getTime() + RESET_DURATION_MS).toISOString(), createdAt: now.toISOString() });
      enqueueMessage({ tx, clock, template: 'password_reset', to: { email: user.email, userId: user.id, organisationId: user.organisationId }, data: { name: user.name, token } });
      recordAudit(tx, clock, { userId: user.id, organisationId: user.organisationId }, 'user.password_reset_requested', { type: 'user', id: user.id }, { ip });
    },
    { behavior: 'immediate' },
  );
  return { message: RESET_REQUESTED_MESSAGE };
}

/** The user a reset link is for, or the reason it no longer works. */
export function describePasswordReset({ db, clock, token }: Deps & { token: string }) {
  const found = findPasswordReset(db, sha256Hex(token));
  if (!found || found.user.disabled) throw resetNotFound();
  if (found.reset.usedAt) throw resetUsedOrReplaced();
  if (found.reset.expiresAt <= clock.now().toISOString()) throw resetExpired();
  return { email: found.user.email, name: found.user.name, expiresAt: found.reset.expiresAt };
}

/** Sets the new password, ends every session, revokes every API token, and tells the user by mail. */
export async function resetPassword({ db, clock, token, password }: Deps & { token: string; password: string }): Promise<void> {
  describePasswordReset({ db, clock, token });
  const passwordHash = await hashPassword(password);
  db.transaction(
    (tx) => {
      const { reset, user } = findPasswordReset(tx, sha256Hex(token))!;
      const now = clock.now().toISOString();
      if (!usePasswordReset(tx, reset.id, now)) throw resetAlreadyUsed();
      const { revokedTokens } = replacePassword(tx, user.id, passwordHash, now);
      credentialsChanged(tx);
      enqueueMessage({ tx, clock, template: 'password_changed', to: { email: user.email, userId: user.id, organisationId: user.organisationId }, data: { name: user.name } });
      recordAudit(tx, clock, { userId: user.id, organisationId: user.organisationId }, 'user.password_reset', { type: 'user', id: user.id }, { revokedTokens });
    },
    { behavior: 'immediate' },
  );
}

/** A signed-in user changes their own password: the current one is required. */
export async function changeOwnPassword({ db, clock, actor, currentPassword, newPassword }: Deps & { actor: Actor; currentPassword: string; newPassword: string }): Promise<void> {
  const user = findUserById(db, actor.userId)!;
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, currentPassword))) {
    throw wrongCurrentPassword();
  }
  const passwordHash = await hashPassword(newPassword);
  db.transaction(
    (tx) => {
      const now = clock.now().toISOString();
      const { revokedTokens } = replacePassword(tx, user.id, passwordHash, now);
      credentialsChanged(tx);
      enqueueMessage({ tx, clock, template: 'password_changed', to: { email: user.email, userId: user.id, organisationId: user.organisationId }, data: { name: user.name } });
      recordAudit(tx, clock, actor, 'user.password_changed', { type: 'user', id: user.id }, { revokedTokens });
    },
    { behavior: 'immediate' },
  );
}

/** A change of e-mail: a confirmation link to the new address, a notice to the old one; nothing changes until confirmed. */
export async function requestEmailChange({ db, clock, actor, newEmail, password }: Deps & { actor: Actor; newEmail: string; password: string }): Promise<{ message: string }> {
  const user = findUserById(db, actor.userId)!;
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, password))) {
    throw wrongCurrentPassword();
  }
  if (newEmail === user.email) throw sameEmail();
  const token = randomToken();
  db.transaction(
    (tx) => {
      if (findUserByEmail(tx, newEmail)) throw emailAlreadyUsed(newEmail);
      const now = clock.now();
      insertEmailChange(tx, {
        id: newId(),
        userId: user.id,
        newEmail,
        tokenHash: sha256Hex(token),
        expiresAt: new Date(now.getTime() + EMAIL_CHANGE_DURATION_MS).toISOString(),
        createdAt: now.toISOString(),
      });
      const data = { name: user.name, newEmail, token };
      enqueueMessage({ tx, clock, template: 'email_change_confirmation', to: { email: newEmail, userId: user.id, organisationId: user.organisationId }, data });
      enqueueMessage({ tx, clock, template: 'email_change_notice', to: { email: user.email, userId: user.id, organisationId: user.organisationId }, data: { name: user.name, newEmail } });
      recordAudit(tx, clock, actor, 'user.email_change_requested', { type: 'user', id: user.id }, { newEmail });
    },
    { behavior: 'immediate' },
  );
  return { message: `Un lien de confirmation a été envoyé à ${newEmail}. Votre adresse change quand vous l’ouvrez.` };
}

export function confirmEmailChange({ db, clock, token }: Deps & { token: string }): { email: string } {
  return db.transaction(
    (tx) => {
      const found = findEmailChange(tx, sha256Hex(token));
      if (!found || found.user.disabled) throw emailChangeNotFound();
      const now = clock.now().toISOString();
      if (found.change.usedAt) throw emailChangeUsedOrReplaced();
      if (found.change.expiresAt <= now) throw emailChangeExpired();
      if (findUserByEmail(tx, found.change.newEmail)) throw emailAlreadyUsed(found.change.newEmail);
      if (!useEmailChange(tx, found.change.id, now)) throw emailChangeAlreadyUsed();
      setUserEmail(tx, found.user.id, found.change.newEmail);
      credentialsChanged(tx);
      recordAudit(tx, clock, { userId: found.user.id, organisationId: found.user.organisationId }, 'user.email_changed', { type: 'user', id: found.user.id }, {
        from: found.user.email,
        to: found.change.newEmail,
      });
      return { email: found.change.newEmail };
    },
    { behavior: 'immediate' },
  );
}

/** Non-essential notices (alerts, reminders) can be switched off; security and account messages always go. */
export function setNoticePreference({ db, clock, actor, noticesOptOut }: Deps & { actor: Actor; noticesOptOut: boolean }): { noticesOptOut: boolean } {
  db.transaction((tx) => {
    setNoticesOptOut(tx, actor.userId, noticesOptOut);
    recordAudit(tx, clock, actor, 'user.notice_preference_changed', { type: 'user', id: actor.userId }, { noticesOptOut });
  });
  return { noticesOptOut };
}

export function accountOf(db: Db, actor: Actor) {
  const user = findUserById(db, actor.userId)!;
  return { email: user.email, name: user.name, noticesOptOut: user.noticesOptOut };
}
