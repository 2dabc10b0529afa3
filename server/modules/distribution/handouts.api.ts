import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv } from '../../shared/list-reply.ts';
import { decodeCursor, encodeCursor, toPage } from '../../shared/pagination.ts';
import { errorResponses, listOf } from '../../shared/schemas.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { communeView } from '../territories/territories.api.ts';
import { orderParams, serialParams, TAGS, visibleOrderFor } from './distribution.api.ts';
import * as repository from './distribution.repository.ts';
import * as stats from './distribution-stats.repository.ts';
import {
  AGE_BAND_LABELS,
  distributionInput,
  distributionResultView,
  distributionsQuery,
  distributionView,
  movementsQuery,
  movementView,
  statsView,
} from './distribution.schemas.ts';
import * as service from './distribution.service.ts';
import { handOutCommunes } from './hand-out-communes.ts';
import { bookletNotFound } from './distribution.errors.ts';
import { movementCsvColumns } from './order-movements.list.ts';

/**
 * Hand-outs to beneficiaries and what the network records of them: the custody movements, the
 * distributions, the communes a hand-out may name and the statistics. Designation, allotments,
 * stock and blocking are in distribution.api.ts.
 */
export const handoutsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };
  const visibleOrder = (actor: ReturnType<typeof requireActor>, orderId: string) => visibleOrderFor(app.db, actor, orderId);

  // --- Movements ------------------------------------------------------------------------------

  const movementsCsv = movementCsvColumns(false);
  const movementPage = (rows: repository.MovementListRow[], limit: number) => {
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.at, id: String(last.id) }) : null };
  };
  const afterId = (cursor: string | undefined) => {
    const key = decodeCursor(cursor);
    return key ? Number(key.id) : undefined;
  };

  r.get(
    '/booklet-movements',
    {
      config: allow('buyer:*', 'prescriber:*', 'operator:*'),
      schema: {
        summary: 'Mouvements de carnets : qui, quand, de qui, vers qui, quels carnets',
        description: 'Le plus récent d’abord. Accepte `Accept: text/csv`.',
        tags: TAGS,
        querystring: movementsQuery,
        response: { 200: listOf(movementView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, orderId } = request.query;
      const actor = requireActor(request);
      const readPage = (after: string | undefined, size: number) => movementPage(repository.listMovements(app.db, actor, { limit: size, afterId: afterId(after), orderId }), size);
      // A spreadsheet holds every movement from the cursor on, not one page of them.
      if (wantsCsv(request)) return sendAllPagesCsv(reply, 'mouvements-carnets.csv', (next) => readPage(next ?? cursor, EXPORT_PAGE_SIZE), movementsCsv);
      return readPage(cursor, limit);
    },
  );

  r.get(
    '/booklets/:serial/movements',
    {
      config: allow('buyer:*', 'prescriber:*', 'operator:*'),
      schema: {
        summary: 'Historique d’un carnet',
        tags: TAGS,
        params: serialParams,
        querystring: movementsQuery.omit({ orderId: true }),
        response: { 200: listOf(movementView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const booklet = service.findBookletForHistory(app.db, actor, request.params.serial);
      if (!booklet) throw bookletNotFound(request.params.serial);
      const { limit, cursor } = request.query;
      return movementPage(repository.listMovements(app.db, actor, { limit, afterId: afterId(cursor), bookletId: booklet.id }), limit);
    },
  );

  // --- Distribution ---------------------------------------------------------------------------

  r.post(
    '/distributions',
    {
      config: { ...allow('prescriber:*'), idempotent: true },
      schema: {
        summary: 'Remettre un carnet à un bénéficiaire',
        description:
          'Contrôles dans cet ordre (422) : `booklet_not_in_your_stock`, `order_not_valid_yet`, `order_expired`, `public_not_eligible`, `territory_not_eligible` ; 409 `booklet_already_distributed`. Aucun nom ni coordonnée n’est enregistré. Accepte l’en-tête Idempotency-Key.',
        tags: TAGS,
        body: distributionInput,
        response: { 201: distributionResultView, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(service.distributeBooklet({ ...deps, actor: requireActor(request), input: request.body })),
  );

  r.get(
    '/distributions',
    {
      config: allow('buyer:*', 'prescriber:*', 'operator:*'),
      schema: {
        summary: 'Distributions (le commanditaire les voit sans public, commune ni âge : voir les statistiques)',
        description: 'Accepte `Accept: text/csv`.',
        tags: TAGS,
        querystring: distributionsQuery,
        response: { 200: listOf(distributionView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const { limit, cursor, orderId, from: fromDate, to } = request.query;
      if (orderId && actor.organisationKind !== 'prescriber') visibleOrder(actor, orderId);
      const readPage = (after: string | undefined, size: number) => toPage(repository.listDistributions(app.db, actor, { limit: size, after: decodeCursor(after), orderId, from: fromDate, to }), size);
      if (wantsCsv(request)) {
        const labels = new Map(listPublicCategories(app.db, { includeInactive: true }).map((c) => [c.code, c.label]));
        type Item = ReturnType<typeof readPage>['items'][number];
        const columns: { header: string; value: (d: Item) => string | number | null }[] = [
          { header: 'Date', value: (d) => d.distributedOn },
          { header: 'Carnet', value: (d) => d.bookletSerial },
          { header: 'Commande', value: (d) => d.orderReference },
          { header: 'Prescripteur', value: (d) => d.prescriberName },
        ];
        if (actor.organisationKind !== 'buyer') {
          columns.push(
            { header: 'Public', value: (d) => (d.publicCategory ? (labels.get(d.publicCategory) ?? d.publicCategory) : null) },
            { header: 'Commune', value: (d) => d.communeName },
            { header: 'Code INSEE', value: (d) => d.communeCode },
            { header: 'Tranche d’âge', value: (d) => (d.ageBand ? AGE_BAND_LABELS[d.ageBand] : null) },
          );
        }
        // Every distribution matching the filters, from the cursor on: the page size is for JSON.
        return sendAllPagesCsv(reply, 'distributions.csv', (next) => readPage(next ?? cursor, EXPORT_PAGE_SIZE), columns);
      }
      return readPage(cursor, limit);
    },
  );

  r.get(
    '/distributions/communes',
    {
      config: allow('prescriber:*', 'buyer:*', 'operator:*'),
      schema: {
        summary: 'Communes proposées pour une remise : par nom ou code postal, limitées au territoire du carnet',
        description:
          'Comme `GET /territories/communes`, mais avec `bookletSerial` (un carnet que l’appelant détient, a commandé, ou l’opérateur) seules les communes du territoire de sa commande sont proposées ; sans carnet connu, la recherche est nationale.',
        tags: TAGS,
        querystring: z.object({
          q: z.string().trim().min(2, '2 caractères au moins').max(100, '100 caractères au maximum'),
          bookletSerial: z.string().trim().max(40).optional(),
        }),
        response: { 200: listOf(communeView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const items = handOutCommunes(app.db, actor, request.query.q, request.query.bookletSerial || undefined, 20).map((c) => ({
        code: c.code,
        name: c.name,
        departement: c.departement,
        epci: c.epci,
        postalCodes: [...c.postalCodes],
      }));
      return { items, nextCursor: null };
    },
  );

  r.get(
    '/orders/:orderId/distribution-stats',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Statistiques de distribution d’une commande (par prescripteur, mois, public, commune, âge)',
        description: 'Pour un commanditaire, toute case de moins de 5 bénéficiaires vaut null (« secret statistique » dans les pages), ainsi que les cases masquées en complément.',
        tags: TAGS,
        params: orderParams,
        response: { 200: statsView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const order = visibleOrder(actor, request.params.orderId);
      return stats.distributionStats(app.db, actor, order.id);
    },
  );

  r.get(
    '/distribution-stats',
    {
      config: allow('buyer:*', 'operator:*'),
      schema: {
        summary: 'Statistiques de distribution de toutes ses commandes (de toutes les commandes pour l’opérateur)',
        tags: TAGS,
        response: { 200: statsView, ...errorResponses(401, 403) },
      },
    },
    async (request) => stats.distributionStats(app.db, requireActor(request), null),
  );
};
