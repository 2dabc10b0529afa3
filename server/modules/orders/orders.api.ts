import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv } from '../../shared/list-reply.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { operatorFeeBasisPoints } from '../../shared/settings.repository.ts';
import { mandateInput, orderDetailView, orderInput, ordersQuery, orderView, quoteView } from './orders.schemas.ts';
import * as ordersService from './orders.service.ts';
import { orderCounts } from '../booklets/booklets.service.ts';
import { jobAccepted } from '../jobs/jobs.schemas.ts';
import { orderIssuanceHandler } from './approval.job.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { ORDER_CSV_COLUMNS } from './orders.list.ts';

const orderParams = z.object({ orderId: id });

export const ordersApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };
  const view = (order: ordersService.OrderRow) => ordersService.orderToView(order, ordersService.buyerNameOf(app.db, order.buyerId));
  app.jobs.register(orderIssuanceHandler(app.passCodes));

  r.post(
    '/orders/quote',
    {
      config: allow('buyer:*'),
      schema: {
        summary: 'Simuler une commande : total, frais, part de l’État et part du commanditaire',
        description: 'Mêmes règles et mêmes refus que la commande elle-même ; rien n’est enregistré.',
        tags: ['Commandes'],
        body: orderInput,
        response: { 200: quoteView, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) =>
      ordersService.quoteOrder({ ...deps, actor: requireActor(request), input: request.body, feeBasisPoints: operatorFeeBasisPoints(app.db, app.config) }),
  );

  r.post(
    '/orders',
    {
      config: { ...allow('buyer:*'), idempotent: true },
      schema: {
        summary: 'Passer une commande de carnets de pass',
        description: 'Accepte l’en-tête Idempotency-Key.',
        tags: ['Commandes'],
        body: orderInput,
        response: { 201: orderView, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const order = ordersService.submitOrder({
        ...deps,
        actor: requireActor(request),
        input: request.body,
        feeBasisPoints: operatorFeeBasisPoints(app.db, app.config),
      });
      return reply.code(201).send(view(order));
    },
  );

  r.get(
    '/orders',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Commandes (toutes pour l’opérateur, les siennes pour un commanditaire)',
        description: 'Accepte `Accept: text/csv`.',
        tags: ['Commandes'],
        querystring: ordersQuery,
        response: { 200: listOf(orderView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status } = request.query;
      const actor = requireActor(request);
      const readPage = (pageCursor: string | undefined, pageSize = limit) => {
        const rows = ordersService.listOrdersFor(app.db, actor, { limit: pageSize, after: decodeCursor(pageCursor), status });
        const last = rows[pageSize - 1]?.order;
        return {
          items: rows.slice(0, pageSize).map((row) => ordersService.orderToView(row.order, row.buyerName)),
          nextCursor: rows.length > pageSize && last ? encodeCursor(last) : null,
        };
      };
      if (wantsCsv(request)) {
        return sendAllPagesCsv(reply, 'commandes.csv', (c) => readPage(c, EXPORT_PAGE_SIZE), ORDER_CSV_COLUMNS);
      }
      return readPage(cursor);
    },
  );

  r.get(
    '/orders/:orderId',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Une commande, avec ses pass et ses carnets comptés par situation',
        tags: ['Commandes'],
        params: orderParams,
        response: { 200: orderDetailView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const order = ordersService.findOrderFor(app.db, requireActor(request), request.params.orderId);
      if (!order) throw orderNotFound();
      return { ...view(order), ...orderCounts(app.db, order.id) };
    },
  );

  r.post(
    '/orders/:orderId/approve',
    {
      config: { ...allow('operator:admin'), idempotent: true },
      schema: {
        summary: 'Approuver une commande : engage l’enveloppe, émet les factures et passe l’écriture',
        tags: ['Commandes'],
        params: orderParams,
        description:
          'Accepte l’en-tête Idempotency-Key. Une commande de plus de ASYNC_APPROVAL_PASSES pass est approuvée aussitôt, ses carnets émis ensuite par un travail de fond : réponse 202 avec son identifiant.',
        response: { 200: orderView, 202: jobAccepted, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const approved = ordersService.approveOrder({
        ...deps,
        actor: requireActor(request),
        orderId: request.params.orderId,
        codes: app.passCodes,
        asyncAbovePasses: app.config.asyncApprovalPasses,
      });
      if (approved.issuanceJobId === null) return view(approved);
      void app.jobs.wake();
      return reply.code(202).send({ jobId: approved.issuanceJobId });
    },
  );

  r.post(
    '/orders/:orderId/cancel',
    {
      config: allow('buyer:*', 'operator:admin'),
      schema: {
        summary: 'Annuler une commande avant son approbation',
        tags: ['Commandes'],
        params: orderParams,
        response: { 200: orderView, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => view(ordersService.cancelOrder({ ...deps, actor: requireActor(request), orderId: request.params.orderId })),
  );

  r.post(
    '/orders/:orderId/mandate',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Enregistrer le numéro de mandat (commanditaire public) : ouvre le financement',
        tags: ['Commandes'],
        params: orderParams,
        body: mandateInput,
        response: { 200: orderView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      view(ordersService.recordMandate({ ...deps, actor: requireActor(request), orderId: request.params.orderId, mandateNumber: request.body.mandateNumber })),
  );
};
