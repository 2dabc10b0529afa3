import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { allow, anonymousCsrfToken, hasValidAnonymousCsrfToken, publicAccess, requireActor, setSessionCookie } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { findUserById } from './accounts.repository.ts';
import { openSession } from './accounts.service.ts';
import { safeReturnPath } from './return-path.ts';
import * as mfa from '../security/mfa.service.ts';
import { ENROLMENT_PATH } from '../security/second-factor-gate.ts';
import { endSecondFactorStep, pendingSecondFactorUser, setDeviceCookie } from '../security/sign-in-step.ts';
import { replySecurityEventList } from '../security/security.list.ts';

const hide = { hide: true };

/**
 * The account's second-factor pages (sign-in step, enrolment) and the operator's security log: pages
 * of the accounts area that call the security module's rules (accounts depends on security, never
 * the other way round).
 */
export const secondFactorPages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };
  const secure = app.config.secureCookies;

  const renderCodeStep = (reply: FastifyReply, data: Record<string, unknown>) =>
    reply.renderPage('pages/security/second-factor.eta', { title: 'Second facteur', loginCsrfToken: anonymousCsrfToken(reply), ...data });

  app.get('/connexion/second-facteur', { schema: hide, config: publicAccess }, async (request, reply) => {
    const retour = safeReturnPath((request.query as { retour?: unknown }).retour);
    if (!pendingSecondFactorUser(request, app.clock.now().getTime())) return reply.redirect('/connexion', 303);
    return renderCodeStep(reply, { retour });
  });

  app.post('/connexion/second-facteur', { schema: hide, config: { ...publicAccess, csrf: false } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const retour = safeReturnPath(body.retour);
    const userId = pendingSecondFactorUser(request, app.clock.now().getTime());
    const user = userId ? findUserById(app.db, userId) : undefined;
    if (!user || user.disabled || !user.passwordHash) {
      return reply.redirect('/connexion', 303);
    }
    if (!hasValidAnonymousCsrfToken(app, request, reply)) {
      return renderCodeStep(reply.code(403), { retour, formError: 'Le formulaire a expiré ou ne vient pas de ce site : recommencez.' });
    }
    const code = typeof body.code === 'string' ? body.code.slice(0, 40) : '';
    try {
      mfa.verifySecondFactor({ ...deps, userId: user.id, organisationId: user.organisationId, code, throttle: app.secondFactorThrottle, ip: request.ip });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.headers) reply.headers(error.headers);
      return renderCodeStep(reply.code(error.status), { retour, errors: { code: error.message }, formError: error.message });
    }
    const { sessionToken } = openSession({ ...deps, user, ip: request.ip, secondFactor: true });
    endSecondFactorStep(reply);
    setSessionCookie(reply, sessionToken, secure);
    if (body.remember === 'oui') {
      const device = mfa.rememberThisDevice({ ...deps, userId: user.id });
      setDeviceCookie(reply, device.token, device.maxAgeSeconds, secure);
    }
    return reply.redirect(retour, 303);
  });

  const renderEnrolment = async (reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const actor = requireActor(reply.request);
    const enabled = mfa.mfaEnabled({ db: app.db, userId: actor.userId });
    const enrolment = enabled ? undefined : await mfa.startEnrolment({ ...deps, actor });
    return reply.renderPage('pages/security/enrolment.eta', {
      title: 'Double authentification',
      enabled,
      required: mfa.mfaRequiredFor(actor, app.config.mfaRequired ?? false),
      unusedRecoveryCodes: enabled ? mfa.unusedRecoveryCodes({ db: app.db, userId: actor.userId }) : 0,
      qrDataUrl: enrolment ? `data:image/svg+xml;base64,${Buffer.from(enrolment.qrSvg).toString('base64')}` : undefined,
      secret: enrolment?.secret.replace(/(.{4})/g, '$1 ').trim(),
      ...data,
    });
  };

  app.get(ENROLMENT_PATH, { schema: hide, config: allow('*') }, async (request, reply) =>
    renderEnrolment(reply, {
      info: (request.query as { obligatoire?: string }).obligatoire ? 'Votre rôle demande la double authentification : activez-la pour continuer.' : undefined,
    }),
  );

  app.post(ENROLMENT_PATH, { schema: hide, config: allow('*') }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const code = typeof body.code === 'string' ? body.code.slice(0, 40) : '';
    try {
      const { recoveryCodes } = mfa.confirmEnrolment({ ...deps, actor: requireActor(request), code, ip: request.ip });
      return reply.renderPage('pages/security/recovery-codes.eta', { title: 'Codes de secours', recoveryCodes });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      return renderEnrolment(reply.code(error.status), { errors: { code: error.message }, formError: error.message });
    }
  });

  app.get('/securite/journal', { schema: hide, config: allow('operator:admin') }, async (request, reply) =>
    replySecurityEventList({ db: app.db, clock: app.clock }, request, reply),
  );
};
