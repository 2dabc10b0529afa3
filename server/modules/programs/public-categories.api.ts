import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { allow, publicAccess, requireActor } from '../../plugins/auth.ts';
import { sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { errorResponses, listOf } from '../../shared/schemas.ts';
import {
  createPublicCategoryBody,
  publicCategoryListQuery,
  publicCategoryParams,
  publicCategoryView,
  updatePublicCategoryBody,
} from './public-categories.schemas.ts';
import * as categories from './public-categories.service.ts';

const TAGS = ['Données de référence'];

export const publicCategoriesApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  r.get(
    '/public-categories',
    {
      config: publicAccess,
      schema: {
        summary: 'Publics auxquels une commande peut être réservée',
        description: 'Liste de l’opérateur, dans l’ordre d’affichage ; `priority` signale les publics prioritaires du dispositif. Accepte `Accept: text/csv`.',
        tags: TAGS,
        security: [],
        querystring: publicCategoryListQuery,
        response: { 200: listOf(publicCategoryView), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const items = categories.listPublicCategories(app.db, { includeInactive: request.query.includeInactive });
      if (wantsCsv(request)) {
        return sendCsv(reply, 'publics.csv', items, [
          { header: 'Code', value: (c) => c.code },
          { header: 'Libellé', value: (c) => c.label },
          { header: 'Prioritaire', value: (c) => (c.priority ? 'oui' : 'non') },
          { header: 'Actif', value: (c) => (c.active ? 'oui' : 'non') },
        ]);
      }
      return { items, nextCursor: null };
    },
  );

  r.post(
    '/public-categories',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Ajouter un public',
        description: 'Le code (snake_case) est définitif : il est enregistré sur les commandes et les distributions. 409 `public_category_exists` s’il est déjà pris.',
        tags: TAGS,
        body: createPublicCategoryBody,
        response: { 201: publicCategoryView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(categories.createPublicCategory({ ...deps, actor: requireActor(request), input: request.body })),
  );

  r.patch(
    '/public-categories/:code',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Modifier un public (libellé, priorité, ordre, activation)',
        tags: TAGS,
        params: publicCategoryParams,
        body: updatePublicCategoryBody,
        response: { 200: publicCategoryView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      categories.updatePublicCategory({ ...deps, actor: requireActor(request), code: request.params.code, input: request.body }),
  );
};
