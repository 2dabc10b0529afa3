import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../identity/actor.ts';

/** A year: an agent's usual site rarely changes, and the cookie says only which of its own sites. */
const USUAL_SITE_SECONDS = 365 * 24 * 3600;
const cookieName = (placeId: string) => `pn_site_${placeId.replace(/[^A-Za-z0-9_-]/g, '')}`;

/**
 * At a place with several sites, the site of the agent's last redemption is remembered on their
 * device and preselected on the counter, so the first scan of the day does not answer "Choisissez le
 * lieu d’accueil". Set by the page and by the API (the counter's script calls it) for a browser
 * session; an integration's bearer token gets no cookie.
 */
export function rememberUsualSite(reply: FastifyReply, actor: Actor, siteId: string, secure: boolean): void {
  if (actor.via !== 'session') return;
  reply.setCookie(cookieName(actor.organisationId), siteId, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: USUAL_SITE_SECONDS });
}

/** The remembered site if it is still one of the place's active sites. */
export function usualSite(request: FastifyRequest, actor: Actor, activeSiteIds: readonly string[]): string | undefined {
  const remembered = request.cookies[cookieName(actor.organisationId)];
  return remembered && activeSiteIds.includes(remembered) ? remembered : undefined;
}
