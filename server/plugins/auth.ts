import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import CsrfTokens from '@fastify/csrf';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorMatches, type Actor, type RolePattern } from '../modules/identity/actor.ts';
import { resolveApiToken, resolveSession, SESSION_DURATION_MS } from '../modules/accounts/accounts.service.ts';
import { ActorCache } from '../modules/identity/actor-cache.ts';
import { authenticationRequired, invalidApiToken, roleForbidden } from '../shared/shared.errors.ts';

export type Access = 'public' | RolePattern[];

export const SESSION_COOKIE = 'pn_session';
const CSRF_COOKIE = 'pn_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What anonymous forms' CSRF tokens are bound to (the login form): the secret cookie does the rest. */
const ANONYMOUS_CSRF_SUBJECT = 'anonymous';

/** Route config: who may call it. `allow('operator:admin', 'buyer:*')`. */
export function allow(...patterns: RolePattern[]): { access: Access } {
  return { access: patterns };
}
export const publicAccess = { access: 'public' as const };

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw authenticationRequired();
  return request.actor;
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: SESSION_DURATION_MS / 1000,
  });
}

/** A CSRF token bound to the caller's session (the plugin checks the binding on every state change). */
export function csrfTokenFor(reply: FastifyReply, actor: Actor | null): string {
  return actor?.via === 'session' && actor.sessionId ? reply.generateCsrf({ userInfo: actor.sessionId }) : '';
}

/**
 * A CSRF token for a form posted before any session exists (the login form): without it, a
 * cross-site form could sign a victim's browser into the attacker's account (login CSRF).
 */
export function anonymousCsrfToken(reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: ANONYMOUS_CSRF_SUBJECT });
}


/**
 * Checks the token of an anonymous form (the login form) with the same secret cookie and key as the
 * plugin, answering yes or no, so the page can say what went wrong next to the form it re-renders.
 */
export function hasValidAnonymousCsrfToken(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): boolean {
  const secret = reply.unsignCookie(request.cookies[CSRF_COOKIE] ?? '');
  const token = (request.body as { _csrf?: unknown } | undefined)?._csrf;
  if (!secret.valid || !secret.value || typeof token !== 'string') return false;
  const tokens = CsrfTokens({ hmacKey: app.config.sessionSecret, userInfo: true }) as CsrfTokens.TokensUserinfo;
  return tokens.verify(secret.value, token, ANONYMOUS_CSRF_SUBJECT);
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

export default fp(
  async (app) => {
    await app.register(fastifyCookie, { secret: app.config.sessionSecret });
    await app.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      csrfOpts: { hmacKey: app.config.sessionSecret, userInfo: true },
      cookieKey: CSRF_COOKIE,
      cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: app.config.secureCookies, signed: true },
      // Binds each token to the session that asked for it: a token leaked from one session is useless in another.
      getUserInfo: (request) => request.actor?.sessionId ?? ANONYMOUS_CSRF_SUBJECT,
    });

    app.decorateRequest('actor', null);
    const actors = new ActorCache();

    app.addHook('onRequest', async (request) => {
      // A route that checks its own bearer token (GET /metrics and METRICS_TOKEN) is not an API token's.
      if (request.routeOptions.config.ownBearerToken) return;
      const authorization = request.headers.authorization;
      if (authorization !== undefined) {
        const match = /^Bearer\s+(\S+)$/i.exec(authorization);
        const actor = match ? resolveApiToken({ db: app.db, clock: app.clock, token: match[1]!, cache: actors }) : null;
        if (!actor) throw invalidApiToken();
        request.actor = actor;
        return;
      }
      const sessionToken = request.cookies[SESSION_COOKIE];
      if (sessionToken) request.actor = resolveSession({ db: app.db, clock: app.clock, sessionToken, cache: actors });
    });

    const verifyCsrf = (request: FastifyRequest, reply: FastifyReply) =>
      new Promise<void>((resolve, reject) => {
        app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve()));
      });

    // Before validation: an anonymous caller gets 401, not a 400 about a body it may not send anyway.
    app.addHook('preValidation', async (request, reply) => {
      if (request.is404) return; // unknown routes answer 404 to everyone, without asking who calls
      const access = request.routeOptions.config.access ?? (['*'] as RolePattern[]);
      if (access !== 'public') {
        const actor = requireActor(request);
        if (!access.some((pattern) => actorMatches(actor, pattern))) {
          throw roleForbidden();
        }
      }
      const needsCsrf =
        request.actor?.via === 'session' && !SAFE_METHODS.has(request.method) && request.routeOptions.config.csrf !== false;
      if (needsCsrf) await verifyCsrf(request, reply);
    });
  },
  { name: 'auth', dependencies: ['errors'] },
);
