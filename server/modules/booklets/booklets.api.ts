import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv } from '../../shared/list-reply.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { renderBookletsPdf } from '../../../templates/pdf/booklet.ts';
import {
  BOOKLET_STATUS_LABELS,
  bookletListItem,
  bookletListQuery,
  bookletSerial,
  passCodeInput,
  passLookupView,
  printProofView,
} from './booklets.schemas.ts';
import * as bookletsService from './booklets.service.ts';
import { PRINT_PROFILES } from '../../../templates/pdf/print-profile.ts';
import { printSettingsApi } from './print-settings.api.ts';
import { printFileHandler, startPrintFileJob } from './print-file.job.ts';
import { jobAccepted } from '../jobs/jobs.schemas.ts';

const orderParams = z.object({ orderId: id });
const profileQuery = z.object({
  profil: z.enum(PRINT_PROFILES).default('bureau').describe('`bureau` : A4, rien à moins de 5 mm du bord ; `imprimeur` : fonds perdus de 3 mm, traits de coupe, TrimBox et BleedBox'),
});
const proofQuery = profileQuery.extend({ version: z.coerce.number().int().min(1).max(10_000).optional().describe('Une version précédente du BAT') });
const serialParams = z.object({ serial: bookletSerial });
const pdfResponse = { 200: z.any().describe('Document PDF') };

/**
 * Streams a print job into the reply: the renderer writes into a PassThrough that Fastify pipes
 * to the socket, and waits whenever the client reads slower than we draw. If the client goes away
 * the stream is destroyed, the renderer stops and the booklet generator is closed.
 */
function sendPrintJob(request: FastifyRequest, reply: FastifyReply, job: bookletsService.PrintJob, publicUrl: string, disposition: 'inline' | 'attachment') {
  const out = new PassThrough();
  renderBookletsPdf(out, job.booklets, { proofWatermark: job.proofWatermark, publicUrl, profile: job.profile }).catch((err: unknown) => {
    // Headers are gone by now: a truncated download is all the client can be told.
    request.log.warn({ err }, `print file ${job.filename} interrupted`);
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  reply.type('application/pdf').header('content-disposition', `${disposition}; filename="${job.filename}"`).header('cache-control', 'no-store');
  return reply.send(out);
}

export const bookletsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const lookup = bookletsService.passLookup({ db: app.db, clock: app.clock, codes: app.passCodes, gracePeriodDays: app.config.gracePeriodDays });
  const publicUrl = app.config.publicUrl;
  await app.register(printSettingsApi);
  app.jobs.register(printFileHandler(app.db));
  const printJobBooklets = app.config.printJobBooklets ?? 1000;

  r.get(
    '/orders/:orderId/booklets',
    {
      config: allow('buyer:*', 'operator:*', 'prescriber:*'),
      schema: {
        summary: 'Carnets d’une commande, dans l’ordre d’impression',
        description: 'Tous pour le commanditaire et l’opérateur, ceux qu’il détient pour un prescripteur. Accepte `Accept: text/csv`.',
        tags: ['Carnets et pass'],
        params: orderParams,
        querystring: bookletListQuery,
        response: { 200: listOf(bookletListItem), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status } = request.query;
      const actor = requireActor(request);
      const readPage = (pageCursor: string | undefined, pageSize: number) =>
        bookletsService.listBooklets({ db: app.db, actor, orderId: request.params.orderId, limit: pageSize, cursor: pageCursor, status });
      const page = readPage(cursor, limit);
      if (wantsCsv(request)) {
        return sendAllPagesCsv(reply, 'carnets.csv', (c) => readPage(c, EXPORT_PAGE_SIZE), [
          { header: 'Numéro de carnet', value: (b) => b.serial },
          { header: 'Position', value: (b) => b.position },
          { header: 'Statut', value: (b) => BOOKLET_STATUS_LABELS[b.status] },
          { header: 'Détenteur', value: (b) => b.holderName },
          { header: 'Pass', value: (b) => b.passCount },
        ]);
      }
      return page;
    },
  );

  // GET /booklets/{serial} (the booklet with its history and passes) is served by the booklet-detail module.

  r.get(
    '/booklets/:serial.pdf',
    {
      config: allow('buyer:*', 'operator:*', 'prescriber:*'),
      schema: {
        summary: 'Un carnet en PDF (réimpression)',
        description: 'Après validation du bon à tirer de la commande.',
        tags: ['Carnets et pass'],
        params: serialParams,
        querystring: profileQuery,
        produces: ['application/pdf'],
        response: { ...pdfResponse, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const job = bookletsService.bookletPrintJob({ db: app.db, actor: requireActor(request), serial: request.params.serial, publicUrl, profile: request.query.profil });
      return sendPrintJob(request, reply, job, publicUrl, 'inline');
    },
  );

  r.get(
    '/orders/:orderId/proof.pdf',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Bon à tirer (BAT) : le premier carnet, filigrané « BAT — ne pas imprimer », avec des codes SPÉCIMEN',
        description: 'La version en cours (ou `?version=N`), avec la présentation choisie par le commanditaire. Ses codes et QR codes sont des spécimens : aucun n’est encaissable.',
        tags: ['Carnets et pass'],
        params: orderParams,
        querystring: proofQuery,
        produces: ['application/pdf'],
        response: { ...pdfResponse, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const job = bookletsService.proofPrintJob({
        db: app.db,
        clock: app.clock,
        actor: requireActor(request),
        orderId: request.params.orderId,
        publicUrl,
        version: request.query.version,
        profile: request.query.profil,
      });
      return sendPrintJob(request, reply, job, publicUrl, 'inline');
    },
  );

  r.post(
    '/orders/:orderId/proof/accept',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Valider le bon à tirer : ouvre le téléchargement du fichier d’impression',
        description: 'Une seconde validation ne change rien : la première est conservée.',
        tags: ['Carnets et pass'],
        params: orderParams,
        response: { 200: printProofView, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => bookletsService.acceptPrintProof({ db: app.db, clock: app.clock, actor: requireActor(request), orderId: request.params.orderId }),
  );

  r.get(
    '/orders/:orderId/booklets.pdf',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Fichier d’impression : tous les carnets de la commande (flux PDF, ou travail de fond au-delà de PRINT_JOB_BOOKLETS carnets)',
        description:
          '409 `proof_not_accepted` tant que le bon à tirer n’est pas validé, 409 `booklets_being_issued` tant que les carnets sont en cours de création. ' +
          'Jusqu’à PRINT_JOB_BOOKLETS carnets (1 000 par défaut), le fichier est produit à la volée, en flux. Au-delà, il est préparé par un travail de fond : ' +
          'réponse 202 `{jobId}` ; `GET /api/v1/jobs/{jobId}` donne la progression puis `file.url`, où le fichier est conservé jusqu’à son téléchargement. ' +
          'Redemander le fichier pendant sa préparation rend le même travail.',
        tags: ['Carnets et pass'],
        params: orderParams,
        querystring: profileQuery,
        produces: ['application/pdf', 'application/json'],
        response: { ...pdfResponse, 202: jobAccepted, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const job = bookletsService.orderPrintJob({ db: app.db, actor, orderId: request.params.orderId, publicUrl, profile: request.query.profil });
      if (job.bookletCount > printJobBooklets) {
        const jobId = startPrintFileJob({ db: app.db, clock: app.clock, actor, orderId: job.orderId, profile: job.profile, publicUrl, total: job.bookletCount });
        void app.jobs.wake();
        return reply.code(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId });
      }
      return sendPrintJob(request, reply, job, publicUrl, 'attachment');
    },
  );

  r.get(
    '/passes/:code',
    {
      config: allow('place:*', 'operator:*'),
      schema: {
        summary: 'Vérifier un pass : statut, valeur, validité, encaissable ou non et pourquoi',
        description:
          'Le code est accepté avec ou sans tirets ni espaces, en majuscules ou minuscules. Un code mal saisi ou falsifié répond 404 `pass_not_found` sans consulter la base ; ' +
          'les échecs répétés sont limités par utilisateur et par adresse IP (429 `too_many_pass_lookups`, en-tête Retry-After).',
        tags: ['Carnets et pass'],
        params: z.object({ code: passCodeInput }),
        response: { 200: passLookupView, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const pass = lookup({ userId: actor.userId, ip: request.ip }, request.params.code);
      reply.header('cache-control', 'no-store');
      // The response serializer encodes through passLookupView, which keeps only the fields it declares:
      // the lookup's other facts (territory, services, last day) stay out without a second parse here.
      return pass;
    },
  );
};
