import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { errorResponses, id, listOf, noContent } from '../../shared/schemas.ts';
import { listPendingInvitations, revokeInvitation } from './invitations.ts';
import { addPrescriberBody, prescriberNetworkView } from './prescribers.schemas.ts';
import { addPrescriber, prescriberNetwork, setPrescriberSuspended } from './prescribers.service.ts';

export const prescribersApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  r.post(
    '/prescribers',
    {
      config: allow('buyer:admin'),
      schema: {
        summary: 'Ajouter un prescripteur à son réseau (réutilisé si son SIRET existe déjà, sinon créé et son contact invité)',
        tags: ['Organisations'],
        body: addPrescriberBody,
        response: { 200: z.object({ id: z.string() }), 201: z.object({ id: z.string() }), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { id: prescriberId, created } = addPrescriber({ ...deps, actor: requireActor(request), input: request.body });
      return reply.code(created ? 201 : 200).send({ id: prescriberId });
    },
  );

  r.get(
    '/prescriber-network',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Réseau de prescripteurs : qui a ajouté quel prescripteur (tous pour l’opérateur)',
        tags: ['Organisations'],
        response: { 200: listOf(prescriberNetworkView), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ items: prescriberNetwork({ db: app.db, actor: requireActor(request) }), nextCursor: null }),
  );

  for (const [action, suspended] of [['suspend', true], ['reinstate', false]] as const) {
    r.post(
      `/prescribers/:prescriberId/${action}`,
      {
        config: allow('operator:admin'),
        schema: {
          summary: suspended ? 'Suspendre un prescripteur (il ne peut plus être désigné)' : 'Rétablir un prescripteur',
          tags: ['Organisations'],
          params: z.object({ prescriberId: id }),
          response: { 200: z.object({ id: z.string(), status: z.string() }), ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => setPrescriberSuspended({ ...deps, actor: requireActor(request), prescriberId: request.params.prescriberId, suspended }),
    );
  }
};

/** Pending invitations of an organisation (sent when, by whom, expiry) and their revocation. */
export const invitationsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const orgParams = z.object({ organisationId: id });
  r.get(
    '/organizations/:organisationId/invitations',
    {
      config: allow('*:admin'),
      schema: {
        summary: 'Invitations en attente (envoyée quand, par qui, expiration)',
        tags: ['Organisations'],
        params: orgParams,
        response: {
          200: listOf(z.object({ userId: z.string(), email: z.string(), name: z.string(), sentAt: z.string(), expiresAt: z.string(), invitedBy: z.string().nullable(), expired: z.boolean() })),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({ items: listPendingInvitations({ db: app.db, clock: app.clock, actor: requireActor(request), ...request.params }), nextCursor: null }),
  );
  r.delete(
    '/organizations/:organisationId/users/:userId/invitations',
    {
      config: allow('*:admin'),
      schema: {
        summary: 'Révoquer l’invitation en attente d’un utilisateur (le lien ne fonctionne plus)',
        tags: ['Organisations'],
        params: orgParams.extend({ userId: id }),
        response: { 204: noContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      revokeInvitation({ db: app.db, clock: app.clock, actor: requireActor(request), ...request.params });
      return reply.code(204).send(null);
    },
  );
};
