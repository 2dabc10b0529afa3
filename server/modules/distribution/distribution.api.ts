import type { FastifyPluginAsync } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { Actor } from '../identity/actor.ts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv } from '../../shared/list-reply.ts';
import { decodeCursor, toPage } from '../../shared/pagination.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { findOrderFor } from '../order-records/order-records.repository.ts';
import * as repository from './distribution.repository.ts';
import * as stats from './distribution-stats.repository.ts';
import {
  allotmentInput,
  blockInput,
  blockView,
  bookletSerial,
  BOOKLET_STATUS_LABELS,
  designationInput,
  designationView,
  movementResultView,
  prescriberOrgView,
  returnInput,
  revocationView,
  stockItemView,
  stockQuery,
} from './distribution.schemas.ts';
import * as service from './distribution.service.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';

export const TAGS = ['Distribution'];
export const orderParams = z.object({ orderId: id });
export const serialParams = z.object({ serial: bookletSerial });

/** An approved or pending order the actor may see, or 404 (another organisation's order is not found). */
export function visibleOrderFor(db: DbOrTx, actor: Actor, orderId: string) {
  const order = findOrderFor(db, actor, orderId);
  if (!order) throw orderNotFound();
  return order;
}

export const distributionApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  const visibleOrder = (actor: Actor, orderId: string) => visibleOrderFor(app.db, actor, orderId);

  // --- Designation ----------------------------------------------------------------------------

  r.get(
    '/prescribers',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Prescripteurs que l’on peut désigner (Missions locales, CCAS, France Services…)',
        tags: TAGS,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(200).optional(),
          q: z.string().trim().max(100).optional().describe('Partie du nom'),
        }),
        response: { 200: listOf(prescriberOrgView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, cursor, q } = request.query;
      return toPage(repository.listPrescriberOrganisations(app.db, { limit, after: decodeCursor(cursor), q: q || undefined }), limit);
    },
  );

  r.get(
    '/orders/:orderId/prescribers',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Prescripteurs désignés sur une commande, avec leurs carnets détenus et distribués',
        tags: TAGS,
        params: orderParams,
        response: { 200: z.object({ items: z.array(designationView) }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const order = visibleOrder(actor, request.params.orderId);
      return { items: repository.listDesignations(app.db, order.id, stats.suppressionThreshold(actor)) };
    },
  );

  r.post(
    '/orders/:orderId/prescribers',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Désigner un prescripteur sur une commande',
        tags: TAGS,
        params: orderParams,
        body: designationInput,
        response: { 201: designationView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const designation = service.designatePrescriber({ ...deps, actor: requireActor(request), orderId: request.params.orderId, prescriberId: request.body.prescriberId });
      return reply.code(201).send(designation);
    },
  );

  r.delete(
    '/orders/:orderId/prescribers/:prescriberId',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Retirer la désignation d’un prescripteur : ses carnets non distribués reviennent au stock du commanditaire',
        tags: TAGS,
        params: orderParams.extend({ prescriberId: id }),
        response: { 200: revocationView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => service.revokePrescriber({ ...deps, actor: requireActor(request), orderId: request.params.orderId, prescriberId: request.params.prescriberId }),
  );

  // api.md names the collection: the same revocation with the prescriber in the body.
  r.delete(
    '/orders/:orderId/prescribers',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Retirer la désignation d’un prescripteur (prescripteur dans le corps)',
        tags: TAGS,
        params: orderParams,
        body: designationInput,
        response: { 200: revocationView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.revokePrescriber({ ...deps, actor: requireActor(request), orderId: request.params.orderId, prescriberId: request.body.prescriberId }),
  );

  // --- Allotments and returns -----------------------------------------------------------------

  r.post(
    '/allotments',
    {
      config: { ...allow('buyer:*'), idempotent: true },
      schema: {
        summary: 'Confier des carnets du stock à un prescripteur désigné',
        description: 'Par nombre (`bookletCount`, les plus petits numéros en stock d’abord) ou par numéros et plages (`bookletSerials`). Accepte l’en-tête Idempotency-Key.',
        tags: TAGS,
        body: allotmentInput,
        response: { 201: movementResultView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(service.allotBooklets({ ...deps, actor: requireActor(request), input: request.body })),
  );

  r.post(
    '/allotments/returns',
    {
      config: { ...allow('buyer:*', 'prescriber:*'), idempotent: true },
      schema: {
        summary: 'Rendre au commanditaire des carnets non distribués',
        description: 'Le commanditaire nomme le prescripteur ; un prescripteur rend les siens. Accepte l’en-tête Idempotency-Key.',
        tags: TAGS,
        body: returnInput,
        response: { 201: movementResultView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(service.returnBooklets({ ...deps, actor: requireActor(request), input: request.body })),
  );

  r.get(
    '/stock',
    {
      config: allow('buyer:*', 'prescriber:*'),
      schema: {
        summary: 'Mon stock : carnets confiés au prescripteur, ou en stock chez le commanditaire',
        description: 'Accepte `Accept: text/csv`.',
        tags: TAGS,
        querystring: stockQuery,
        response: { 200: listOf(stockItemView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, orderId } = request.query;
      const actor = requireActor(request);
      const readPage = (after: string | undefined, size: number) => toPage(repository.listStock(app.db, actor, { limit: size, after: decodeCursor(after), orderId }), size);
      if (wantsCsv(request)) {
        // The whole stock from the cursor on, not one page of it.
        return sendAllPagesCsv(reply, 'stock-carnets.csv', (next) => readPage(next ?? cursor, EXPORT_PAGE_SIZE), [
          { header: 'Carnet', value: (b) => b.serial },
          { header: 'Commande', value: (b) => b.orderReference },
          { header: 'Statut', value: (b) => BOOKLET_STATUS_LABELS[b.status] },
          { header: 'Valable du', value: (b) => b.validFrom },
          { header: 'Valable au', value: (b) => b.validUntil },
        ]);
      }
      return readPage(cursor, limit);
    },
  );

  // --- Blocking -------------------------------------------------------------------------------

  r.post(
    '/booklets/:serial/block',
    {
      config: { ...allow('buyer:*', 'prescriber:*'), idempotent: true },
      schema: {
        summary: 'Bloquer un carnet perdu ou volé : ses pass non encaissés sont bloqués',
        description: 'Par le commanditaire, ou par le prescripteur qui détient le carnet. Accepte l’en-tête Idempotency-Key.',
        tags: TAGS,
        params: serialParams,
        body: blockInput,
        response: { 200: blockView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => service.blockBooklet({ ...deps, actor: requireActor(request), serial: request.params.serial, reason: request.body.reason }),
  );
};
