import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Backoff } from './login-throttle.ts';
import { requireActor } from '../../plugins/auth.ts';
import { requireFreshSecondFactor, secondFactorThrottle } from './mfa.service.ts';
import { enforceEnrolment } from './second-factor-gate.ts';
import { securityApi } from './security.api.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Wrong second-factor codes per account: shared by sign-in and step-up. */
    secondFactorThrottle: Backoff;
  }
}

/** Where a step-up code travels: a header for the API, a form field for pages. */
function stepUpCode(headers: Record<string, unknown>, body: unknown): string | undefined {
  const header = headers['x-second-factor'];
  if (typeof header === 'string') return header.slice(0, 40);
  const field = (body as { secondFactorCode?: unknown } | null | undefined)?.secondFactorCode;
  return typeof field === 'string' ? field.slice(0, 40) : undefined;
}

/** Step-up for a sensitive action, from a route hook or from a page handler that re-renders its form on refusal. */
export function requireStepUp(app: FastifyInstance, request: FastifyRequest): void {
  requireFreshSecondFactor({
    db: app.db,
    clock: app.clock,
    actor: requireActor(request),
    code: stepUpCode(request.headers, request.body),
    throttle: app.secondFactorThrottle,
    ip: request.ip,
    action: `${request.method} ${request.routeOptions.url}`,
  });
}

/**
 * Second factor and security log; their pages belong to the accounts area (second-factor.pages.ts).
 * Registered at the root (fastify-plugin) before the other modules: its hooks run for every route, whoever declares it.
 */
export default fp(
  async (app) => {
    app.decorate('secondFactorThrottle', secondFactorThrottle(app.clock));
    const mfaRequired = app.config.mfaRequired ?? false;

    // After authentication and authorisation (auth's preValidation), before idempotency
    // (preHandler): a refused step-up must not be stored as the answer to the request's key.
    app.addHook('preValidation', async (request, reply) => {
      if (request.is404) return;
      const redirected = enforceEnrolment(request, reply, mfaRequired);
      if (redirected) return redirected;
      if (request.routeOptions.config.stepUp && request.actor) requireStepUp(app, request);
    });

    await app.register(securityApi, { prefix: '/api/v1' });
  },
  { name: 'security', dependencies: ['auth', 'views'] },
);
