import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, anonymousCsrfToken, clearSessionCookie, hasValidAnonymousCsrfToken, publicAccess, requireActor, setSessionCookie } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import {
  acceptInvitationBody,
  BUYER_TYPE_LABELS,
  createOrganisationBody,
  inviteUserBody,
  KIND_LABELS,
  loginBody,
  ROLE_LABELS,
} from './accounts.schemas.ts';
import * as accounts from './accounts.service.ts';
import { findOrganisation } from './accounts.repository.ts';
import type { LoginThrottle } from '../security/login-throttle.ts';
import { safeReturnPath } from './return-path.ts';
import { proconnectLogoutUrl } from './proconnect.pages.ts';
import { isRememberedDevice, mfaEnabled } from '../security/mfa.service.ts';
import { beginSecondFactorStep, DEVICE_COOKIE } from '../security/sign-in-step.ts';
import { listPendingInvitations, revokeInvitation } from './invitations.ts';
import { setFlash, takeFlash } from '../../shared/flash.ts';
import { replyOrganisationList } from './organisations.list.ts';
import { readUserList, sendUserCsv } from './users.list.ts';
import { wantsCsv } from '../../shared/list-reply.ts';
import { organisationNotFound } from './accounts.errors.ts';

const hide = { hide: true };
const orgParams = z.object({ organisationId: z.string().max(64) });
const userParams = orgParams.extend({ userId: z.string().max(64) });


const options = <K extends string>(labels: Record<K, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));

export const accountsPages: FastifyPluginAsync<{ loginThrottle: LoginThrottle }> = async (app, { loginThrottle }) => {
  const deps = { db: app.db, clock: app.clock };

  app.get('/accessibilite', { schema: hide, config: publicAccess }, async (_request, reply) =>
    reply.renderPage('pages/accessibility.eta', { title: 'Déclaration d’accessibilité' }),
  );

  const renderLogin = (reply: FastifyReply, data: Record<string, unknown>) =>
    reply.renderPage('pages/accounts/login.eta', { title: 'Connexion', loginCsrfToken: anonymousCsrfToken(reply), proconnect: Boolean(app.config.proconnect), ...data });

  app.get('/connexion', { schema: hide, config: publicAccess }, async (request, reply) => {
    if (request.actor) return reply.redirect('/tableau-de-bord', 303);
    const query = request.query as Record<string, string | undefined>;
    return renderLogin(reply, {
      retour: safeReturnPath(query.retour),
      success: { 'mot-de-passe-enregistre': 'Mot de passe enregistré : vous pouvez vous connecter.', deconnecte: 'Vous êtes déconnecté, de Pass numérique et de ProConnect.' }[query.message ?? ''],
    });
  });

  app.post('/connexion', { schema: hide, config: { ...publicAccess, csrf: false } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const retour = safeReturnPath(body.retour);
    const parsed = loginBody.safeParse(body);
    const values = { email: typeof body.email === 'string' ? body.email.slice(0, 254) : '' };
    if (!hasValidAnonymousCsrfToken(app, request, reply)) {
      return renderLogin(reply.code(403), {
        retour,
        values,
        formError: 'Le formulaire de connexion a expiré ou ne vient pas de ce site : vérifiez l’adresse de la page et recommencez.',
      });
    }
    if (!parsed.success) {
      return renderLogin(reply.code(400), { retour, values, errors: formErrors(parsed.error), formError: 'Vérifiez les champs signalés.' });
    }
    try {
      const user = await accounts.checkPassword({ ...deps, throttle: loginThrottle, ...parsed.data, ip: request.ip });
      // A second factor, unless this browser was remembered for this account.
      if (mfaEnabled({ db: app.db, userId: user.id }) && !isRememberedDevice({ ...deps, userId: user.id, token: request.cookies[DEVICE_COOKIE] })) {
        beginSecondFactorStep(reply, user.id, app.clock.now().getTime(), app.config.secureCookies);
        return reply.redirect(`/connexion/second-facteur?retour=${encodeURIComponent(retour)}`, 303);
      }
      const { sessionToken } = accounts.openSession({ ...deps, user, ip: request.ip });
      setSessionCookie(reply, sessionToken, app.config.secureCookies);
      return reply.redirect(retour, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.headers) reply.headers(error.headers);
      return renderLogin(reply.code(error.status), { retour, values, formError: error.message });
    }
  });

  app.post('/deconnexion', { schema: hide, config: allow('*') }, async (request, reply) => {
    const { idTokenHint } = accounts.logout({ db: app.db, sessionId: requireActor(request).sessionId ?? '' });
    clearSessionCookie(reply);
    // A ProConnect session also ends at the provider, which then sends the person back here.
    const providerLogout = await proconnectLogoutUrl(app.config.proconnect, idTokenHint);
    return reply.redirect(providerLogout ?? '/connexion', 303);
  });

  // --- Organisation and its users -------------------------------------------------------------

  const renderOrganisation = (
    request: FastifyRequest,
    reply: FastifyReply,
    organisationId: string,
    extra: { errors?: FormErrors; values?: Record<string, unknown>; invitation?: unknown; success?: string; formError?: string } = {},
  ) => {
    const actor = requireActor(request);
    const org = findOrganisation(app.db, actor, organisationId);
    if (!org) throw organisationNotFound();
    const isOwn = org.id === actor.organisationId;
    const roleLabels: Record<string, string> = org.kind === 'operator' ? ROLE_LABELS : { admin: ROLE_LABELS.admin, agent: ROLE_LABELS.agent };
    const canManage = actor.role === 'admin' && (isOwn || isOperator(actor));
    const basePath = isOwn ? '/mon-organisation' : `/organisations/${org.id}`;
    const userList = { db: app.db, actor, organisationId: org.id, path: basePath, roleLabels, rawQuery: request.query };
    if (request.method === 'GET' && wantsCsv(request)) return sendUserCsv(userList, reply);
    return reply.renderPage('pages/accounts/organisation.eta', {
      title: isOwn ? 'Mon organisation' : org.name,
      pendingInvitations: canManage ? listPendingInvitations({ db: app.db, clock: app.clock, actor, organisationId }) : [],
      scripts: ['/static/js/copy-link.js'],
      organisation: accounts.organisationToView(org),
      ...readUserList(userList),
      canManage: actor.role === 'admin' && (isOwn || isOperator(actor)),
      isOwn,
      basePath,
      buyerTypeLabels: BUYER_TYPE_LABELS,
      roleOptions: options(roleLabels),
      ...extra,
    });
  };

  const orgIdOf = (request: FastifyRequest, actor: Actor) =>
    (request.params as { organisationId?: string }).organisationId ?? actor.organisationId;

  /** The organisation page a form under `base` comes back to. */
  const pagePath = (base: string, organisationId: string) => (base === '/mon-organisation' ? base : `/organisations/${organisationId}`);

  for (const base of ['/mon-organisation', '/organisations/:organisationId']) {
    const access = base === '/mon-organisation' ? allow('*') : allow('operator:*');

    app.get(base, { schema: hide, config: access }, async (request, reply) => {
      const actor = requireActor(request);
      const query = request.query as Record<string, string | undefined>;
      const organisationId = orgIdOf(request, actor);
      // The invitation link just created (POST/redirect/GET): shown once, on this response only.
      const invited = takeFlash<{ invitation: Record<string, unknown>; success: string }>(request, reply, 'invitation', pagePath(base, organisationId));
      if (invited) return renderOrganisation(request, reply, organisationId, invited);
      const success = { desactive: 'Utilisateur désactivé.', reactive: 'Utilisateur réactivé.', cree: 'Organisation créée.', 'invitation-revoquee': 'Invitation révoquée : son lien ne fonctionne plus.' }[query.message ?? ''];
      return renderOrganisation(request, reply, organisationId, { success });
    });

    app.post(`${base}/utilisateurs`, { schema: hide, config: access }, async (request, reply) => {
      const actor = requireActor(request);
      const organisationId = orgIdOf(request, actor);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const parsed = inviteUserBody.safeParse(body);
      if (!parsed.success) {
        return renderOrganisation(request, reply.code(400), organisationId, { values: body, errors: formErrors(parsed.error), formError: 'Vérifiez les champs signalés.' });
      }
      try {
        const invitation = accounts.inviteUser({ ...deps, actor, organisationId, input: parsed.data, publicUrl: app.config.publicUrl });
        const page = pagePath(base, organisationId);
        setFlash(reply, 'invitation', page, { invitation: { ...invitation, email: parsed.data.email }, success: `Invitation créée pour ${parsed.data.name}.` }, app.config.secureCookies);
        return reply.redirect(page, 303);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        return renderOrganisation(request, reply.code(error.status), organisationId, { values: body, formError: error.message });
      }
    });

    app.post(`${base}/utilisateurs/:userId/invitation`, { schema: hide, config: access }, async (request, reply) => {
      const actor = requireActor(request);
      const organisationId = orgIdOf(request, actor);
      const { userId } = userParams.partial({ organisationId: true }).parse(request.params);
      const invitation = accounts.reissueInvitation({ ...deps, actor, organisationId, userId, publicUrl: app.config.publicUrl });
      const user = accounts.listUsers({ db: app.db, actor, organisationId }).find((u) => u.id === userId)!;
      const page = pagePath(base, organisationId);
      setFlash(reply, 'invitation', page, { invitation: { ...invitation, email: user.email }, success: `Nouveau lien créé pour ${user.name} : l’ancien ne fonctionne plus.` }, app.config.secureCookies);
      return reply.redirect(page, 303);
    });

    app.post(`${base}/utilisateurs/:userId/revoquer-invitation`, { schema: hide, config: access }, async (request, reply) => {
      const actor = requireActor(request);
      const organisationId = orgIdOf(request, actor);
      const { userId } = userParams.partial({ organisationId: true }).parse(request.params);
      revokeInvitation({ db: app.db, clock: app.clock, actor, organisationId, userId });
      return reply.redirect(`${base === '/mon-organisation' ? base : `/organisations/${organisationId}`}?message=invitation-revoquee`, 303);
    });

    for (const [segment, disabled] of [['desactiver', true], ['reactiver', false]] as const) {
      app.post(`${base}/utilisateurs/:userId/${segment}`, { schema: hide, config: access }, async (request, reply) => {
        const actor = requireActor(request);
        const organisationId = orgIdOf(request, actor);
        const { userId } = userParams.partial({ organisationId: true }).parse(request.params);
        accounts.setUserDisabled({ ...deps, actor, organisationId, userId, disabled });
        const target = base === '/mon-organisation' ? base : `/organisations/${organisationId}`;
        return reply.redirect(`${target}?message=${disabled ? 'desactive' : 'reactive'}`, 303);
      });
    }
  }

  // --- Operator: organisations list and creation -----------------------------------------------

  const renderOrganisations = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    return replyOrganisationList(app.db, actor, request, reply, {
      title: 'Organisations',
      canCreate: actor.role === 'admin',
      kindOptions: options(KIND_LABELS),
      buyerTypeOptions: options(BUYER_TYPE_LABELS),
      ...extra,
    });
  };

  app.get('/organisations', { schema: hide, config: allow('operator:*') }, async (request, reply) => renderOrganisations(request, reply));

  app.post('/organisations', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const body = Object.fromEntries(
      Object.entries((request.body ?? {}) as Record<string, unknown>).filter(([key, v]) => key !== '_csrf' && v !== ''),
    );
    const parsed = createOrganisationBody.safeParse(body);
    if (!parsed.success) {
      return renderOrganisations(request, reply.code(400), { values: body, errors: formErrors(parsed.error), formError: 'Vérifiez les champs signalés.' });
    }
    const org = accounts.createOrganisation({ ...deps, actor: requireActor(request), input: parsed.data });
    return reply.redirect(`/organisations/${org.id}?message=cree`, 303);
  });

  // --- Invitations ----------------------------------------------------------------------------

  const tokenParams = z.object({ token: z.string().min(10).max(200) });

  app.get('/invitation/:token', { schema: hide, config: publicAccess }, async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const invitation = accounts.describeInvitation({ ...deps, token });
    return reply.renderPage('pages/accounts/invitation.eta', { title: 'Choisir votre mot de passe', invitation, token, proconnect: Boolean(app.config.proconnect) });
  });

  app.post('/invitation/:token', { schema: hide, config: { ...publicAccess, csrf: false } }, async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const invitation = accounts.describeInvitation({ ...deps, token });
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = acceptInvitationBody.safeParse(body);
    const errors: FormErrors = parsed.success ? {} : formErrors(parsed.error);
    if (parsed.success && body.confirmation !== parsed.data.password) errors.confirmation = 'les deux mots de passe ne sont pas identiques';
    if (!parsed.success || Object.keys(errors).length > 0) {
      return reply
        .code(400)
        .renderPage('pages/accounts/invitation.eta', { title: 'Choisir votre mot de passe', invitation, token, errors, formError: 'Vérifiez les champs signalés.', proconnect: Boolean(app.config.proconnect) });
    }
    await accounts.acceptInvitation({ ...deps, token, password: parsed.data.password });
    return reply.redirect('/connexion?message=mot-de-passe-enregistre', 303);
  });
};
