import type { FastifyReply, FastifyRequest } from 'fastify';

const PENDING_COOKIE = 'pn_2fa';
export const DEVICE_COOKIE = 'pn_device';
/** Time allowed between the right password and the code. */
const PENDING_SECONDS = 300;

/**
 * Between the password and the code, the browser holds a signed cookie naming the account and
 * when the step ends: no session exists yet, so nothing else is reachable with the password alone.
 */
export function beginSecondFactorStep(reply: FastifyReply, userId: string, nowMs: number, secure: boolean): void {
  reply.setCookie(PENDING_COOKIE, `${userId}.${nowMs + PENDING_SECONDS * 1000}`, {
    path: '/connexion',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    maxAge: PENDING_SECONDS,
  });
}

/** The account waiting for its second factor, or null (no cookie, forged, or past its five minutes). */
export function pendingSecondFactorUser(request: FastifyRequest, nowMs: number): string | null {
  const raw = request.cookies[PENDING_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  const [userId, until] = unsigned.value.split('.');
  return userId && Number(until) > nowMs ? userId : null;
}

export function endSecondFactorStep(reply: FastifyReply): void {
  reply.clearCookie(PENDING_COOKIE, { path: '/connexion' });
}

export function setDeviceCookie(reply: FastifyReply, token: string, maxAgeSeconds: number, secure: boolean): void {
  reply.setCookie(DEVICE_COOKIE, token, { path: '/connexion', httpOnly: true, sameSite: 'lax', secure, maxAge: maxAgeSeconds });
}
