import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../identity/actor.ts';
import { mfaRequiredFor } from './mfa.service.ts';
import { mfaEnrolmentRequired } from './security.errors.ts';

export const ENROLMENT_PATH = '/mon-compte/double-authentification';
// What a person who must enrol can still reach: the enrolment itself, signing out, the assets.
const OPEN_BEFORE_ENROLMENT = [ENROLMENT_PATH, '/deconnexion', '/api/v1/session', '/dsfr/', '/static/', '/connexion'];

/**
 * Operator administrators and finance officers (MFA_REQUIRED) sign in, then must turn the second
 * factor on before anything else: pages lead to the enrolment, the API answers 403.
 */
export function enforceEnrolment(request: FastifyRequest, reply: FastifyReply, mfaRequired: boolean): FastifyReply | undefined {
  const actor: Actor | null = request.actor;
  if (!actor || actor.via !== 'session' || actor.mfaEnabled || actor.authMethod === 'proconnect') return undefined;
  if (!mfaRequiredFor(actor, mfaRequired)) return undefined;
  const path = request.url.split('?')[0]!;
  if (OPEN_BEFORE_ENROLMENT.some((open) => path === open || path.startsWith(open.endsWith('/') ? open : `${open}/`))) return undefined;
  if (!path.startsWith('/api/') && request.method === 'GET') return reply.redirect(`${ENROLMENT_PATH}?obligatoire=1`, 303);
  throw mfaEnrolmentRequired();
}
