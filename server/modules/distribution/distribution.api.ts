import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { decodeCursor, encodeCursor, toPage } from '../../shared/pagination.ts';
import { notFound } from '../../shared/problem.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { findOrderFor } from '../order-records/order-records.repository.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import * as repository from './distribution.repository.ts';
import {
  AGE_BAND_LABELS,
  allotmentInput,
  BLOCK_REASON_LABELS,
  blockInput,
  blockView,
  bookletSerial,
  BOOKLET_STATUS_LABELS,
  designationInput,
  designationView,
  distributionInput,
  distributionResultView,
  distributionsQuery,
  distributionView,
  MOVEMENT_KIND_LABELS,
  movementResultView,
  movementsQuery,
  movementView,
  prescriberOrgView,
  returnInput,
  revocationView,
  statsView,
  stockItemView,
  stockQuery,
} from './distribution.schemas.ts';
import * as service from './distribution.service.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { handOutCommunes } from './hand-out-communes.ts';
import { communeView } from '../territories/territories.api.ts';

const TAGS = ['Distribution'];
const orderParams = z.object({ orderId: id });
const serialParams = z.object({ serial: bookletSerial });

export const distributionApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  const visibleOrder = (actor: ReturnType<typeof requireActor>, orderId: string) => {
    const order = findOrderFor(app.db, actor, orderId);
    if (!order) throw orderNotFound();
    return order;
  };

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
      return { items: repository.listDesignations(app.db, order.id, repository.suppressionThreshold(actor)) };
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
      const page = toPage(repository.listStock(app.db, requireActor(request), { limit, after: decodeCursor(cursor), orderId }), limit);
      if (wantsCsv(request)) {
        return sendCsv(reply, 'stock-carnets.csv', page.items, [
          { header: 'Carnet', value: (b) => b.serial },
          { header: 'Commande', value: (b) => b.orderReference },
          { header: 'Statut', value: (b) => BOOKLET_STATUS_LABELS[b.status] },
          { header: 'Valable du', value: (b) => b.validFrom },
          { header: 'Valable au', value: (b) => b.validUntil },
        ]);
      }
      return page;
    },
  );

  // --- Movements ------------------------------------------------------------------------------

  const movementsCsv = [
    { header: 'Date', value: (m: repository.MovementListRow) => m.at },
    { header: 'Mouvement', value: (m: repository.MovementListRow) => MOVEMENT_KIND_LABELS[m.kind] },
    { header: 'Commande', value: (m: repository.MovementListRow) => m.orderReference },
    { header: 'De', value: (m: repository.MovementListRow) => m.fromOrganisationName },
    { header: 'À', value: (m: repository.MovementListRow) => (m.kind === 'distribution' ? 'Bénéficiaire' : m.toOrganisationName) },
    { header: 'Carnets', value: (m: repository.MovementListRow) => m.bookletCount },
    { header: 'Numéros', value: (m: repository.MovementListRow) => m.serialsSummary },
    { header: 'Motif', value: (m: repository.MovementListRow) => (m.reason ? BLOCK_REASON_LABELS[m.reason] : null) },
    { header: 'Par', value: (m: repository.MovementListRow) => [m.actorName, m.actorOrganisationName].filter(Boolean).join(', ') },
  ];
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
      const page = movementPage(repository.listMovements(app.db, requireActor(request), { limit, afterId: afterId(cursor), orderId }), limit);
      if (wantsCsv(request)) return sendCsv(reply, 'mouvements-carnets.csv', page.items, movementsCsv);
      return page;
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
      if (!booklet) throw notFound('booklet_not_found', `Carnet ${request.params.serial} introuvable.`);
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
      const { limit, cursor, orderId, from, to } = request.query;
      if (orderId && actor.organisationKind !== 'prescriber') visibleOrder(actor, orderId);
      const page = toPage(repository.listDistributions(app.db, actor, { limit, after: decodeCursor(cursor), orderId, from, to }), limit);
      if (wantsCsv(request)) {
        const labels = new Map(listPublicCategories(app.db, { includeInactive: true }).map((c) => [c.code, c.label]));
        type Item = (typeof page.items)[number];
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
        return sendCsv(reply, 'distributions.csv', page.items, columns);
      }
      return page;
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
      return repository.distributionStats(app.db, actor, order.id);
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
    async (request) => repository.distributionStats(app.db, requireActor(request), null),
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
