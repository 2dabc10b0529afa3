import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long a flash waits for the page it redirects to: one redirect, not a session. */
const FLASH_SECONDS = 120;

/**
 * What a form's success page must show once after POST/redirect/GET — typically an invitation link
 * shown once — carried across the redirect in a signed, httpOnly cookie scoped to the page that
 * reads it. A reload of that page no longer re-posts the form, and the link does not come back.
 */
export function setFlash(reply: FastifyReply, name: string, path: string, value: unknown, secure: boolean): void {
  reply.setCookie(`pn_flash_${name}`, JSON.stringify(value), { path, httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: FLASH_SECONDS });
}

/** The flash set for this page, read once: the cookie is cleared in the same response. */
export function takeFlash<T>(request: FastifyRequest, reply: FastifyReply, name: string, path: string): T | undefined {
  const raw = request.cookies[`pn_flash_${name}`];
  if (!raw) return undefined;
  reply.clearCookie(`pn_flash_${name}`, { path });
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return undefined;
  try {
    return JSON.parse(unsigned.value) as T;
  } catch {
    return undefined;
  }
}
