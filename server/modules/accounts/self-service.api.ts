import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicAccess, requireActor } from '../../plugins/auth.ts';
import { errorResponses, noContent } from '../../shared/schemas.ts';
import {
  changePasswordBody,
  emailChangeBody,
  passwordResetBody,
  passwordResetRequestBody,
  passwordResetRequestedView,
  preferencesBody,
  preferencesView,
  resetTokenParams,
} from './self-service.schemas.ts';
import * as selfService from './self-service.service.ts';

export const selfServiceApi: FastifyPluginAsync<{ resetThrottle: selfService.PasswordResetThrottle }> = async (app, { resetThrottle }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  r.post(
    '/password-resets',
    {
      config: { ...publicAccess, csrf: false },
      schema: {
        summary: 'Mot de passe oublié : envoyer un lien de réinitialisation (valable 1 heure)',
        description: 'Répond 202 avec la même réponse que l’adresse ait un compte ou non.',
        tags: ['Comptes'],
        security: [],
        body: passwordResetRequestBody,
        response: { 202: passwordResetRequestedView, ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => reply.code(202).send(selfService.requestPasswordReset({ ...deps, throttle: resetThrottle, email: request.body.email, ip: request.ip })),
  );

  r.post(
    '/password-resets/:token',
    {
      config: { ...publicAccess, csrf: false },
      schema: {
        summary: 'Choisir un nouveau mot de passe avec le lien reçu (ferme toutes les sessions, révoque tous les jetons d’API)',
        tags: ['Comptes'],
        security: [],
        params: resetTokenParams,
        body: passwordResetBody,
        response: { 204: noContent, ...errorResponses(400, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await selfService.resetPassword({ ...deps, token: request.params.token, password: request.body.password });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/me/password',
    {
      schema: {
        summary: 'Changer son mot de passe (le mot de passe actuel est demandé)',
        tags: ['Comptes'],
        body: changePasswordBody,
        response: { 204: noContent, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await selfService.changeOwnPassword({ ...deps, actor: requireActor(request), ...request.body });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/me/email',
    {
      schema: {
        summary: 'Changer son adresse e-mail : lien de confirmation envoyé à la nouvelle adresse',
        tags: ['Comptes'],
        body: emailChangeBody,
        response: { 202: z.object({ message: z.string() }), ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await selfService.requestEmailChange({ ...deps, actor: requireActor(request), newEmail: request.body.email, password: request.body.password })),
  );

  r.post(
    '/email-changes/:token',
    {
      config: { ...publicAccess, csrf: false },
      schema: {
        summary: 'Confirmer une nouvelle adresse e-mail',
        tags: ['Comptes'],
        security: [],
        params: resetTokenParams,
        response: { 200: z.object({ email: z.string() }), ...errorResponses(404, 409, 422) },
      },
    },
    async (request) => selfService.confirmEmailChange({ ...deps, token: request.params.token }),
  );

  r.put(
    '/me/preferences',
    {
      schema: {
        summary: 'Choisir de recevoir ou non les avis non essentiels (alertes, rappels) ; les messages de sécurité partent toujours',
        tags: ['Comptes'],
        body: preferencesBody,
        response: { 200: preferencesView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => selfService.setNoticePreference({ ...deps, actor: requireActor(request), noticesOptOut: request.body.noticesOptOut }),
  );
};
