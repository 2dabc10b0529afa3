import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { errorResponses, id } from '../../shared/schemas.ts';
import { LOGO_MAX_BYTES } from './logo.ts';
import { printSettingsInput, printSettingsView, proofRejectionInput, proofVersionView } from './print-settings.schemas.ts';
import * as printSettings from './print-settings.service.ts';

const orderParams = z.object({ orderId: id });
const tags = ['Carnets et pass'];

export const printSettingsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  // Any image type reaches the logo check, so that a GIF or an oversized file gets a clear 400 rather than 415 or 413.
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: 4 * LOGO_MAX_BYTES }, (_request, body, done) => done(null, body));

  r.get(
    '/orders/:orderId/print-settings',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: { summary: 'Présentation des carnets et versions du BAT', tags, params: orderParams, response: { 200: printSettingsView, ...errorResponses(401, 403, 404) } },
    },
    async (request) => printSettings.printSettingsFor({ db: app.db, actor: requireActor(request), orderId: request.params.orderId }),
  );

  r.patch(
    '/orders/:orderId/print-settings',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Titre et message de la couverture, lettre au bénéficiaire',
        description: 'Avant la validation du BAT (409 `proof_already_accepted` ensuite). Chaque changement produit une nouvelle version du BAT ; un texte vide rétablit le texte par défaut (ou retire la lettre).',
        tags,
        params: orderParams,
        body: printSettingsInput,
        response: { 200: printSettingsView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => printSettings.updatePrintSettings({ ...deps, actor: requireActor(request), orderId: request.params.orderId, input: request.body }),
  );

  r.put(
    '/orders/:orderId/logo',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Logo du commanditaire, imprimé sur la couverture',
        description: 'Corps `image/png` ou `image/jpeg`, 1 Mo au maximum ; l’image est décodée puis réencodée avant d’être imprimée. Tout autre fichier : 400 `invalid_logo`.',
        tags,
        params: orderParams,
        response: { 200: printSettingsView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      printSettings.putLogo({
        ...deps,
        actor: requireActor(request),
        orderId: request.params.orderId,
        contentType: request.headers['content-type'],
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      }),
  );

  const awaitingProof = z.object({ id: z.string(), reference: z.string(), approvedAt: z.string().nullable(), buyerName: z.string().optional(), remind: z.boolean().optional() });

  r.get(
    '/proofs/overdue',
    {
      config: allow('operator:*'),
      schema: {
        summary: 'BAT en retard : commandes approuvées depuis plus de 3 jours ouvrés sans BAT validé',
        tags,
        response: { 200: z.object({ items: z.array(awaitingProof) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: printSettings.overdueProofs(app.db, app.clock) }),
  );

  r.get(
    '/proofs/waiting',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'BAT qui attendent la décision du commanditaire (`remind` après 6 jours)',
        tags,
        response: { 200: z.object({ items: z.array(awaitingProof) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ items: printSettings.proofsWaitingFor(app.db, app.clock, requireActor(request)) }),
  );

  r.post(
    '/orders/:orderId/proof/reject',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Refuser le bon à tirer, avec un commentaire',
        description: 'La version refusée est conservée ; la prochaine modification de la présentation produit une nouvelle version.',
        tags,
        params: orderParams,
        body: proofRejectionInput,
        response: { 200: proofVersionView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => printSettings.rejectProof({ ...deps, actor: requireActor(request), orderId: request.params.orderId, comment: request.body.comment }),
  );
};
