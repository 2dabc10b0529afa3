import { generateSecret, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId, randomToken, sha256Hex } from '../../shared/secrets.ts';
import { credentialsChanged } from '../identity/actor-cache.ts';
import type { Actor } from '../identity/actor.ts';
import { Backoff } from './login-throttle.ts';
import * as repo from './mfa.repository.ts';
import { recordSecurityEvent } from './security-events.repository.ts';
import { enrolmentCodeInvalid, enrolmentCodeReplayed, mfaAlreadyEnabled, mfaNotEnabled, mfaNotPending, secondFactorRejected, stepUpRequired, tooManySecondFactorAttempts } from './security.errors.ts';

export const TOTP_ISSUER = 'Pass numérique';
export const RECOVERY_CODE_COUNT = 10;
/** A second factor given this recently counts as fresh for a sensitive action. */
export const STEP_UP_FRESHNESS_MS = 5 * 60_000;
export const REMEMBERED_DEVICE_DAYS = 30;

interface Deps {
  db: Db;
  clock: Clock;
}

/** Wrong codes slow down the next attempts of that account: 5 free, then 2 s doubling up to 15 min. */
export function secondFactorThrottle(clock: Clock): Backoff {
  return new Backoff(clock, { freeFailures: 5, baseDelayMs: 2000, maxDelayMs: 15 * 60_000, forgetAfterMs: 15 * 60_000 });
}

/** Operator administrators and finance officers approve State money and payments: they must use a second factor. */
export function mfaRequiredFor(actor: Pick<Actor, 'organisationKind' | 'role'>, mfaRequired: boolean): boolean {
  return mfaRequired && actor.organisationKind === 'operator' && (actor.role === 'admin' || actor.role === 'finance');
}

export function mfaEnabled({ db, userId }: { db: Db; userId: string }): boolean {
  return repo.hasConfirmedTotp(db, userId);
}

/** A new secret for the enrolment page, with its otpauth:// link and QR code (SVG). Nothing is in force until confirmed. */
export async function startEnrolment({ db, clock, actor }: Deps & { actor: Actor }) {
  if (repo.hasConfirmedTotp(db, actor.userId)) throw mfaAlreadyEnabled();
  const existing = repo.findTotp(db, actor.userId);
  const secret = existing?.secret ?? generateSecret();
  if (!existing) repo.savePendingTotp(db, { userId: actor.userId, secret, createdAt: clock.now().toISOString() });
  const otpauthUrl = generateURI({ issuer: TOTP_ISSUER, label: actor.email, secret });
  const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUrl, qrSvg };
}

/** The 30-second step the code belongs to (now, or one step either side for clock drift), or null. */
function matchingStep(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({ secret, token: code, epoch: Math.floor(now.getTime() / 1000), epochTolerance: 30 });
  // The period start the code matched, in 30-second steps since 1970 (RFC 6238's counter).
  return result.valid && 'epoch' in result ? Math.floor(result.epoch / 30) : null;
}

function newRecoveryCodes(): { codes: string[]; rows: { id: string; codeHash: string }[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = randomToken().replace(/[^A-Za-z0-9]/g, '').slice(0, 10).toUpperCase();
    return `${raw.slice(0, 5)}-${raw.slice(5, 10)}`;
  });
  return { codes, rows: codes.map((code) => ({ id: newId(), codeHash: sha256Hex(normaliseRecoveryCode(code)) })) };
}

const normaliseRecoveryCode = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();

/** The first code from the application turns the secret on; ten recovery codes are given, once. */
export function confirmEnrolment({ db, clock, actor, code, ip }: Deps & { actor: Actor; code: string; ip?: string }): { recoveryCodes: string[] } {
  const pending = repo.findTotp(db, actor.userId);
  if (!pending || pending.confirmedAt) throw mfaNotPending();
  const step = matchingStep(pending.secret, code.trim(), clock.now());
  if (step === null) throw enrolmentCodeInvalid();
  const { codes, rows } = newRecoveryCodes();
  const now = clock.now().toISOString();
  db.transaction(
    (tx) => {
      if (!repo.useTotpStep(tx, actor.userId, step, now)) throw enrolmentCodeReplayed();
      repo.replaceRecoveryCodes(tx, actor.userId, rows, now);
      if (actor.sessionId) repo.markSessionSecondFactor(tx, actor.sessionId, now);
      credentialsChanged(tx);
      recordSecurityEvent(tx, clock, { kind: 'mfa.enrolled', userId: actor.userId, organisationId: actor.organisationId, ip });
    },
    { behavior: 'immediate' },
  );
  return { recoveryCodes: codes };
}

/**
 * Checks a second factor for this user: a TOTP code (each 30-second code once) or one of the
 * recovery codes (each once). Wrong codes are recorded and slow the next attempts down.
 */
export function verifySecondFactor(
  deps: Deps & { userId: string; organisationId: string; code: string; throttle: Backoff; ip?: string; sessionId?: string },
): 'totp' | 'recovery_code' {
  const { db, clock, userId, organisationId, code, throttle, ip, sessionId } = deps;
  const wait = throttle.retryAfterSeconds(userId);
  if (wait > 0) throw tooManySecondFactorAttempts(wait);
  const totp = repo.findTotp(db, userId);
  if (!totp?.confirmedAt) throw mfaNotEnabled();
  const now = clock.now().toISOString();
  const trimmed = code.trim();
  const step = matchingStep(totp.secret, trimmed, clock.now());
  const used = db.transaction(
    (tx) => {
      let kind: 'totp' | 'recovery_code' | null = null;
      if (step !== null && repo.useTotpStep(tx, userId, step, now)) kind = 'totp';
      else if (step === null && trimmed.length <= 20 && repo.spendRecoveryCode(tx, userId, sha256Hex(normaliseRecoveryCode(trimmed)), now)) kind = 'recovery_code';
      recordSecurityEvent(tx, clock, {
        kind: kind === null ? 'mfa.failed' : kind === 'totp' ? 'mfa.succeeded' : 'mfa.recovery_code_used',
        userId,
        organisationId,
        ip,
      });
      if (kind && sessionId) {
        repo.markSessionSecondFactor(tx, sessionId, now);
        credentialsChanged(tx);
      }
      return kind;
    },
    { behavior: 'immediate' },
  );
  if (!used) {
    throttle.recordFailure(userId);
    throw secondFactorRejected();
  }
  throttle.reset(userId);
  return used;
}

/**
 * Step-up before a sensitive action (approving a batch, marking it paid, changing bank details):
 * for a user with a second factor, a code sent with this request, or one given in this session in
 * the last five minutes. Users without a second factor are not asked (the enrolment gate makes
 * it compulsory where MFA_REQUIRED says so).
 */
export function requireFreshSecondFactor(
  deps: Deps & { actor: Actor; code: string | undefined; throttle: Backoff; ip?: string; action: string },
): void {
  const { db, clock, actor, code, throttle, ip, action } = deps;
  if (!repo.hasConfirmedTotp(db, actor.userId)) return;
  // A ProConnect sign-in is the second factor of its session (issue #17: "a ProConnect login is not
  // asked for TOTP again"); the session itself ends with the provider's, at logout or after 12 h.
  if (actor.via === 'session' && actor.authMethod === 'proconnect') return;
  if (code && code.trim() !== '') {
    verifySecondFactor({ db, clock, userId: actor.userId, organisationId: actor.organisationId, code, throttle, ip, sessionId: actor.sessionId });
    db.transaction((tx) => recordSecurityEvent(tx, clock, { kind: 'mfa.step_up', userId: actor.userId, organisationId: actor.organisationId, ip, data: { action } }));
    return;
  }
  const freshSince = clock.now().getTime() - STEP_UP_FRESHNESS_MS;
  if (actor.via === 'session' && actor.secondFactorAt && Date.parse(actor.secondFactorAt) >= freshSince) return;
  throw stepUpRequired();
}

/** "Se souvenir de cet appareil": a random cookie value whose hash is kept 30 days for this user. */
export function rememberThisDevice({ db, clock, userId }: Deps & { userId: string }): { token: string; maxAgeSeconds: number } {
  const token = randomToken();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + REMEMBERED_DEVICE_DAYS * 86_400_000).toISOString();
  repo.rememberDevice(db, { id: sha256Hex(token), userId, expiresAt, createdAt: now.toISOString() });
  return { token, maxAgeSeconds: REMEMBERED_DEVICE_DAYS * 86_400 };
}

export function isRememberedDevice({ db, clock, userId, token }: Deps & { userId: string; token: string | undefined }): boolean {
  return token !== undefined && token.length <= 200 && repo.isRememberedDevice(db, sha256Hex(token), userId, clock.now().toISOString());
}

export function unusedRecoveryCodes({ db, userId }: { db: Db; userId: string }): number {
  return repo.countUnusedRecoveryCodes(db, userId);
}
