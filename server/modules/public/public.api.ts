import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicAccess } from '../../plugins/auth.ts';
import { errorResponses, id } from '../../shared/schemas.ts';
import { openDataCsv, openDataRows } from './open-data.ts';
import { directoryQuery, directoryReply, publicPlaceItem } from './public.schemas.ts';
import * as publicService from './public.service.ts';

const tags = ['Annuaire public'];
/** Open data changes when a place is labelled or edited: a few minutes of shared cache are harmless. */
const OPEN_DATA_CACHE = 'public, max-age=300';

export const publicApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  r.get(
    '/public/places',
    {
      config: { ...publicAccess, rateLimit: { max: 300, timeWindow: '1 minute' } },
      schema: {
        summary: 'Annuaire des lieux labellisés (anonyme)',
        description:
          'Recherche par commune (nom, code postal, code INSEE ; accents, majuscules et « st »/« saint » indifférents) ou par nom de lieu, filtres, au plus près : ' +
          'à vol d’oiseau quand `lat`/`lon` et les coordonnées du lieu sont connues, sinon même commune, puis même EPCI, puis même département. Seulement les lieux labellisés et non suspendus.',
        tags,
        querystring: directoryQuery,
        response: { 200: directoryReply, ...errorResponses(400, 429) },
      },
    },
    async (request) => {
      const { items, nextCursor, reference } = publicService.searchDirectory({ ...deps, query: request.query });
      return { items, nextCursor, reference };
    },
  );

  r.get(
    '/public/places.csv',
    {
      config: publicAccess,
      schema: {
        summary: 'Lieux labellisés en données ouvertes : CSV du schéma national des lieux de médiation numérique',
        description: 'Validé ligne par ligne par la bibliothèque de l’ANCT ; l’acceptation du Pass numérique est marquée dans `frais_a_charge` et `autres_formations_labels`.',
        tags,
        produces: ['text/csv'],
        response: { 200: z.string(), ...errorResponses(429) },
      },
    },
    async (_request, reply) => {
      const { rows } = openDataRows(app.db);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="lieux-de-mediation-numerique_pass-numerique.csv"')
        .header('cache-control', OPEN_DATA_CACHE)
        .send(openDataCsv(rows));
    },
  );

  r.get(
    '/public/places.json',
    {
      config: publicAccess,
      schema: {
        summary: 'Lieux labellisés en données ouvertes : JSON du schéma national des lieux de médiation numérique',
        tags,
        response: { 200: z.array(z.record(z.string(), z.unknown())), ...errorResponses(429) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', OPEN_DATA_CACHE);
      return openDataRows(app.db).rows;
    },
  );

  r.get(
    '/public/places/:siteId',
    {
      config: publicAccess,
      schema: {
        summary: 'Un lieu labellisé (anonyme)',
        tags,
        params: z.object({ siteId: id }),
        response: { 200: publicPlaceItem, ...errorResponses(404) },
      },
    },
    // The response schema keeps only the published fields.
    async (request) => publicService.publicSite({ ...deps, siteId: request.params.siteId }),
  );
};
