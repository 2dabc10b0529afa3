import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, publicAccess, requireActor } from '../../plugins/auth.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv } from '../../shared/list-reply.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import {
  applicationInput,
  bankDetailsInput,
  importQuery,
  importReportView,
  placesQuery,
  placeView,
  reasonInput,
  siteInput,
  siteUpdate,
} from './places.schemas.ts';
import * as placesService from './places.service.ts';
import { importPlaces } from './places.import.ts';
import { countRows, placesImportHandler, startPlacesImport } from './places.import-job.ts';
import { jobAccepted } from '../jobs/jobs.schemas.ts';
import { PLACE_SERVICES } from './services.ts';
import { PLACE_CSV_COLUMNS } from './places.list.ts';
import { placeNotFound } from './places.errors.ts';

const placeParams = z.object({ placeId: id });
const siteParams = placeParams.extend({ siteId: id });

/** Import files are large (the national file has tens of thousands of rows). */
export const IMPORT_BODY_LIMIT = 50 * 1024 * 1024;

export const placesApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };
  app.jobs.register(placesImportHandler());
  const tags = ['Lieux'];

  // CSV uploads come as the raw file; scoped to this plugin, so other routes keep refusing text bodies.
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

  r.get(
    '/places/services',
    {
      config: publicAccess,
      schema: {
        summary: 'Liste nationale des services des lieux de médiation numérique',
        tags,
        response: { 200: z.object({ items: z.array(z.string()) }), ...errorResponses(400) },
      },
    },
    async () => ({ items: [...PLACE_SERVICES] }),
  );

  r.post(
    '/places/applications',
    {
      config: { ...publicAccess, rateLimit: { max: 20, timeWindow: '1 hour' } },
      schema: {
        summary: 'Demander le label Pass numérique pour un lieu (formulaire public)',
        description:
          'SIRET vérifié (14 chiffres, clé de Luhn, exception de La Poste), IBAN et BIC vérifiés. Le lieu est créé au statut `applied` ; ses coordonnées bancaires attendent la validation des finances.',
        tags,
        body: applicationInput,
        response: { 201: z.object({ id: z.string(), status: z.literal('applied') }), ...errorResponses(400, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const created = placesService.applyForLabel({ ...deps, operatorIban: app.config.operatorAccount.iban, input: request.body, actor: request.actor });
      return reply.code(201).send({ id: created.id, status: 'applied' as const });
    },
  );

  r.get(
    '/places',
    {
      config: allow('operator:*'),
      schema: {
        summary: 'Lieux (opérateur), filtrables par statut',
        description: 'Accepte `Accept: text/csv`.',
        tags,
        querystring: placesQuery,
        response: { 200: listOf(placeView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status } = request.query;
      const actor = requireActor(request);
      const readPage = (pageCursor: string | undefined, pageSize = limit) => {
        const rows = placesService.listPlaces(app.db, actor, { limit: pageSize, after: decodeCursor(pageCursor), status });
        const last = rows[pageSize - 1];
        return {
          items: rows.slice(0, pageSize).map((row) => placesService.placeToView(app.db, row.id)!),
          nextCursor: rows.length > pageSize && last ? encodeCursor(last) : null,
        };
      };
      if (wantsCsv(request)) {
        return sendAllPagesCsv(reply, 'lieux.csv', (c) => readPage(c, EXPORT_PAGE_SIZE), PLACE_CSV_COLUMNS);
      }
      return readPage(cursor);
    },
  );

  r.get(
    '/places/:placeId',
    {
      config: allow('operator:*', 'place:*'),
      schema: { summary: 'Un lieu, ses lieux d’accueil et l’état de ses coordonnées bancaires', tags, params: placeParams, response: { 200: placeView, ...errorResponses(401, 403, 404) } },
    },
    async (request) => {
      const place = placesService.findPlaceFor(app.db, requireActor(request), request.params.placeId);
      if (!place) throw placeNotFound();
      return place;
    },
  );

  const decision = (segment: placesService.PlaceDecision, summary: string, withReason: boolean) =>
    r.post(
      `/places/:placeId/${segment}`,
      {
        config: allow('operator:admin'),
        schema: {
          summary,
          description: 'Décision de l’opérateur, inscrite au journal d’audit.',
          tags,
          params: placeParams,
          ...(withReason ? { body: reasonInput } : {}),
          response: { 200: placeView, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request) =>
        placesService.decideOnPlace({
          ...deps,
          actor: requireActor(request),
          placeId: request.params.placeId,
          decision: segment,
          reason: withReason ? (request.body as { reason: string }).reason : undefined,
        }),
    );
  decision('label', 'Labelliser un lieu : il peut encaisser des pass', false);
  decision('reject', 'Refuser une candidature, avec le motif', true);
  decision('suspend', 'Suspendre un lieu labellisé, avec le motif : il ne peut plus encaisser', true);
  decision('reinstate', 'Rétablir un lieu suspendu', false);

  r.put(
    '/places/:placeId/bank-details',
    {
      config: { ...allow('place:admin', 'operator:admin'), stepUp: true },
      schema: {
        summary: 'Changer les coordonnées bancaires : en attente de validation par les finances',
        description:
          'Les coordonnées en vigueur restent utilisées pour les paiements déjà dus ; le lieu n’entre plus dans un nouveau lot de remboursement tant que le changement n’est pas validé.',
        tags,
        params: placeParams,
        body: bankDetailsInput,
        response: { 200: placeView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => placesService.submitBankDetails({ ...deps, operatorIban: app.config.operatorAccount.iban, actor: requireActor(request), placeId: request.params.placeId, input: request.body }),
  );

  r.post(
    '/places/:placeId/bank-details/validate',
    {
      config: allow('operator:finance', 'operator:admin'),
      schema: {
        summary: 'Valider les coordonnées bancaires en attente (finances ; pas la personne qui les a saisies)',
        tags,
        params: placeParams,
        response: { 200: placeView, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => placesService.validateBankDetails({ ...deps, actor: requireActor(request), placeId: request.params.placeId }),
  );

  r.post(
    '/places/:placeId/bank-details/reject',
    {
      config: allow('operator:finance', 'operator:admin'),
      schema: {
        summary: 'Refuser les coordonnées bancaires en attente, avec le motif',
        tags,
        params: placeParams,
        body: reasonInput,
        response: { 200: placeView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      placesService.rejectBankDetails({ ...deps, actor: requireActor(request), placeId: request.params.placeId, reason: request.body.reason }),
  );

  r.post(
    '/places/:placeId/sites',
    {
      config: allow('place:admin', 'operator:admin'),
      schema: {
        summary: 'Ajouter un lieu d’accueil (adresse, commune, services, horaires)',
        tags,
        params: placeParams,
        body: siteInput,
        response: { 201: placeView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(placesService.addSite({ ...deps, actor: requireActor(request), placeId: request.params.placeId, input: request.body })),
  );

  r.patch(
    '/places/:placeId/sites/:siteId',
    {
      config: allow('place:admin', 'operator:admin'),
      schema: {
        summary: 'Modifier un lieu d’accueil ; `active: false` le ferme',
        tags,
        params: siteParams,
        body: siteUpdate,
        response: { 200: placeView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      placesService.updateSite({ ...deps, actor: requireActor(request), placeId: request.params.placeId, siteId: request.params.siteId, input: request.body }),
  );

  r.post(
    '/places/import',
    {
      config: allow('operator:admin'),
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        summary: 'Importer des lieux depuis l’open data (schéma des lieux de médiation numérique ou data·inclusion)',
        description:
          'Corps : le fichier CSV (`Content-Type: text/csv`, séparateur `,` ou `;`, valeurs multiples séparées par `|` ou `;`) ou du JSON (tableau de lieux). ' +
          'Crée ou met à jour par identifiant puis SIRET ; ré-importer le même fichier ne change rien. Les lieux importés ne sont pas labellisés ; `frais = pass-numerique` (data·inclusion) est signalé au relecteur. ' +
          'Au-delà de ASYNC_IMPORT_ROWS lignes (1 000 par défaut), l’import est fait par un travail de fond en tranches courtes : réponse 202 `{jobId}`, le rapport est dans `result` de `GET /api/v1/jobs/{jobId}`.',
        tags,
        consumes: ['text/csv', 'application/json'],
        querystring: importQuery,
        response: { 200: importReportView, 202: jobAccepted, ...errorResponses(400, 401, 403, 413) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      // Over ASYNC_IMPORT_ROWS rows, a job in chunks of short transactions (places.import-job.ts): 202 with the job.
      if (countRows(request.body) > (app.config.asyncImportRows ?? 1000)) {
        const { jobId } = startPlacesImport({ ...deps, actor, content: request.body, format: request.query.format });
        void app.jobs.wake();
        return reply.code(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId });
      }
      return importPlaces({ ...deps, actor, content: request.body, format: request.query.format });
    },
  );
};
