import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, clearSessionCookie, csrfTokenFor, publicAccess, requireActor, setSessionCookie } from '../../plugins/auth.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { codeCell } from '../../shared/csv.ts';
import { getTerritories } from '../territories/territories.ts';
import { decodeCursor, toPage } from '../../shared/pagination.ts';
import { mfaEnabled, verifySecondFactor } from '../security/mfa.service.ts';
import { errorResponses, id, listOf, listQuery, noContent } from '../../shared/schemas.ts';
import {
  acceptInvitationBody,
  changePasswordBody,
  createdTokenView,
  createOrganisationBody,
  createTokenBody,
  invitationView,
  inviteUserBody,
  KIND_LABELS,
  apiLoginBody,
  meView,
  organisationView,
  ROLE_LABELS,
  sessionView,
  tokenView,
  userView,
} from './accounts.schemas.ts';
import * as accounts from './accounts.service.ts';
import { findOrganisation, listOrganisations } from './accounts.repository.ts';
import type { LoginThrottle } from '../security/login-throttle.ts';
import { apiLoginNeedsSecondFactor, loginNeedsJson, organisationNotFound } from './accounts.errors.ts';

const orgParams = z.object({ organisationId: id });
const userParams = orgParams.extend({ userId: id });
const tokenParam = z.object({ token: z.string().min(10).max(200) });

export const accountsApi: FastifyPluginAsync<{ loginThrottle: LoginThrottle }> = async (app, { loginThrottle }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  r.post(
    '/session',
    {
      config: { ...publicAccess, csrf: false },
      schema: {
        summary: 'Se connecter (ouvre une session par cookie)',
        description: 'Renvoie le jeton anti-CSRF à joindre (en-tête x-csrf-token) aux requêtes qui modifient des données.',
        tags: ['Comptes'],
        security: [],
        body: apiLoginBody,
        response: { 200: sessionView, ...errorResponses(400, 401, 403, 415, 429) },
      },
    },
    async (request, reply) => {
      // JSON only: a cross-site HTML form can post urlencoded fields, never JSON, so it cannot log
      // a victim's browser into the attacker's account (login CSRF). The login page has its token.
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        throw loginNeedsJson();
      }
      const { secondFactorCode, ...credentials } = request.body;
      const user = await accounts.checkPassword({ ...deps, throttle: loginThrottle, ...credentials, ip: request.ip });
      const withSecondFactor = mfaEnabled({ db: app.db, userId: user.id });
      if (withSecondFactor) {
        if (!secondFactorCode) throw apiLoginNeedsSecondFactor();
        verifySecondFactor({ ...deps, userId: user.id, organisationId: user.organisationId, code: secondFactorCode, throttle: app.secondFactorThrottle, ip: request.ip });
      }
      const { sessionToken, actor } = accounts.openSession({ ...deps, user, ip: request.ip, secondFactor: withSecondFactor });
      setSessionCookie(reply, sessionToken, app.config.secureCookies);
      request.actor = actor;
      return { ...accounts.getMe({ db: app.db, actor }), csrfToken: csrfTokenFor(reply, actor) };
    },
  );

  r.delete(
    '/session',
    {
      config: { ...publicAccess, csrf: false },
      schema: { summary: 'Se déconnecter', tags: ['Comptes'], response: { 204: noContent } },
    },
    async (request, reply) => {
      if (request.actor?.sessionId) accounts.logout({ db: app.db, sessionId: request.actor.sessionId });
      clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/me',
    { schema: { summary: 'Utilisateur connecté et son organisation', tags: ['Comptes'], response: { 200: meView, ...errorResponses(401) } } },
    async (request) => accounts.getMe({ db: app.db, actor: requireActor(request) }),
  );

  r.get(
    '/organizations',
    {
      schema: {
        summary: 'Organisations visibles (toutes pour l’opérateur, la sienne sinon)',
        description: 'Accepte `Accept: text/csv`.',
        tags: ['Organisations'],
        querystring: listQuery,
        response: { 200: listOf(organisationView), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const readPage = (cursor: string | undefined, limit: number) =>
        toPage(listOrganisations(app.db, actor, { limit, after: decodeCursor(cursor) }).map(accounts.organisationToView), limit);
      if (wantsCsv(request)) {
        const territories = getTerritories();
        return sendAllPagesCsv(reply, 'organisations.csv', (c) => readPage(c, EXPORT_PAGE_SIZE), [
          { header: 'Identifiant', value: (o) => o.id },
          { header: 'Type', value: (o) => KIND_LABELS[o.kind] },
          { header: 'Nom', value: (o) => o.name },
          { header: 'SIRET', value: (o) => codeCell(o.siret) },
          { header: 'Commune', value: (o) => (o.communeCode ? territories.commune(o.communeCode)?.name ?? null : null) },
          { header: 'Code INSEE', value: (o) => codeCell(o.communeCode) },
          { header: 'Statut', value: (o) => (o.status === 'active' ? 'active' : 'suspendue') },
        ]);
      }
      return readPage(request.query.cursor, request.query.limit);
    },
  );

  r.post(
    '/organizations',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Créer une organisation',
        tags: ['Organisations'],
        body: createOrganisationBody,
        response: { 201: organisationView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const org = accounts.createOrganisation({ ...deps, actor: requireActor(request), input: request.body });
      return reply.code(201).send(accounts.organisationToView(org));
    },
  );

  r.get(
    '/organizations/:organisationId',
    {
      schema: {
        summary: 'Une organisation',
        tags: ['Organisations'],
        params: orgParams,
        response: { 200: organisationView, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const org = findOrganisation(app.db, requireActor(request), request.params.organisationId);
      if (!org) throw organisationNotFound();
      return accounts.organisationToView(org);
    },
  );

  r.get(
    '/organizations/:organisationId/users',
    {
      schema: {
        summary: 'Utilisateurs d’une organisation',
        description: 'Accepte `Accept: text/csv`.',
        tags: ['Organisations'],
        params: orgParams,
        response: { 200: listOf(userView), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const rows = accounts.listUsers({ db: app.db, actor: requireActor(request), organisationId: request.params.organisationId });
      const items = rows.map(accounts.userToView);
      if (wantsCsv(request)) {
        return sendCsv(reply, 'utilisateurs.csv', items, [
          { header: 'Nom', value: (u) => u.name },
          { header: 'Adresse e-mail', value: (u) => u.email },
          { header: 'Rôle', value: (u) => ROLE_LABELS[u.role] },
          { header: 'Statut', value: (u) => (u.disabled ? 'désactivé' : u.active ? 'actif' : 'invité') },
        ]);
      }
      return { items, nextCursor: null };
    },
  );

  r.post(
    '/organizations/:organisationId/users',
    {
      config: allow('*:admin'),
      schema: {
        summary: 'Inviter un utilisateur (lien valable 7 jours, à usage unique)',
        tags: ['Organisations'],
        params: orgParams,
        body: inviteUserBody,
        response: { 201: invitationView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const invitation = accounts.inviteUser({
        ...deps,
        actor: requireActor(request),
        organisationId: request.params.organisationId,
        input: request.body,
        publicUrl: app.config.publicUrl,
      });
      return reply.code(201).send(invitation);
    },
  );

  r.post(
    '/organizations/:organisationId/users/:userId/invitations',
    {
      config: allow('*:admin'),
      schema: {
        summary: 'Réinitialiser le mot de passe : émettre une nouvelle invitation',
        tags: ['Organisations'],
        params: userParams,
        response: { 201: invitationView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const invitation = accounts.reissueInvitation({ ...deps, actor: requireActor(request), ...request.params, publicUrl: app.config.publicUrl });
      return reply.code(201).send(invitation);
    },
  );

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    r.post(
      `/organizations/:organisationId/users/:userId/${action}`,
      {
        config: allow('*:admin'),
        schema: {
          summary: disabled ? 'Désactiver un utilisateur (ferme ses sessions)' : 'Réactiver un utilisateur',
          tags: ['Organisations'],
          params: userParams,
          response: { 200: userView, ...errorResponses(401, 403, 404, 422) },
        },
      },
      async (request) =>
        accounts.userToView(accounts.setUserDisabled({ ...deps, actor: requireActor(request), ...request.params, disabled })),
    );
  }

  r.get(
    '/invitations/:token',
    {
      config: publicAccess,
      schema: {
        summary: 'Vérifier une invitation',
        tags: ['Comptes'],
        security: [],
        params: tokenParam,
        response: { 200: z.object({ email: z.string(), name: z.string(), expiresAt: z.string() }), ...errorResponses(404, 409, 422) },
      },
    },
    async (request) => accounts.describeInvitation({ ...deps, token: request.params.token }),
  );

  r.post(
    '/invitations/:token/accept',
    {
      config: { ...publicAccess, csrf: false },
      schema: {
        summary: 'Accepter une invitation en choisissant son mot de passe (12 caractères minimum)',
        tags: ['Comptes'],
        security: [],
        params: tokenParam,
        body: acceptInvitationBody,
        response: { 204: noContent, ...errorResponses(400, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await accounts.acceptInvitation({ ...deps, token: request.params.token, password: request.body.password });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/tokens',
    {
      schema: {
        summary: 'Créer un jeton d’API (affiché une seule fois)',
        description: 'Depuis une session seulement : un jeton ne peut pas en créer un autre (403 `session_required`). Expiration facultative.',
        tags: ['Comptes'],
        body: createTokenBody,
        response: { 201: createdTokenView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(accounts.createApiToken({ ...deps, actor: requireActor(request), ...request.body, ip: request.ip })),
  );

  r.put(
    '/me/password',
    {
      schema: {
        summary: 'Changer son mot de passe (ferme toutes ses sessions et révoque tous ses jetons d’API)',
        tags: ['Comptes'],
        body: changePasswordBody,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      await accounts.changePassword({ ...deps, actor: requireActor(request), ...request.body, ip: request.ip });
      clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/tokens',
    { schema: { summary: 'Mes jetons d’API actifs', tags: ['Comptes'], response: { 200: listOf(tokenView), ...errorResponses(401) } } },
    async (request) => ({ items: accounts.listApiTokens({ db: app.db, actor: requireActor(request) }), nextCursor: null }),
  );

  r.delete(
    '/tokens/:tokenId',
    {
      schema: {
        summary: 'Révoquer un jeton d’API',
        tags: ['Comptes'],
        params: z.object({ tokenId: id }),
        response: { 204: noContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      accounts.revokeApiToken({ ...deps, actor: requireActor(request), tokenId: request.params.tokenId, ip: request.ip });
      return reply.code(204).send(null);
    },
  );
};
