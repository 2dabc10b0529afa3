import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { euroCell } from '../../shared/csv.ts';
import { sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import { errorResponses, listOf, noContent } from '../../shared/schemas.ts';
import { formatFrenchDateTime } from '../../shared/paris-time.ts';
import { underLookupThrottle, type PassLookupThrottle } from './lookup-guard.ts';
import { checkInput, checkView, redemptionInput, redemptionParams, redemptionsQuery, redemptionView } from './redemption.schemas.ts';
import * as redemptionService from './redemption.service.ts';
import { rememberUsualSite } from './usual-site.ts';
import { redemptionNotFound } from './redemption.errors.ts';

export const redemptionApi: FastifyPluginAsync<{ throttle: PassLookupThrottle }> = async (app, { throttle }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock, codes: app.passCodes, gracePeriodDays: app.config.gracePeriodDays };
  const tags = ['Encaissement'];

  r.post(
    '/redemptions',
    {
      config: { ...allow('place:*'), idempotent: true },
      schema: {
        summary: 'Encaisser un pass (lieu labellisé)',
        description:
          'Contrôles, dans cet ordre : code bien formé et authentique (avant toute recherche), pass existant, non bloqué, pas déjà utilisé (409 avec la date seulement), commande financée et carnet remis, ' +
          'dates de validité plus délai de grâce, lieu labellisé, commune du lieu d’accueil dans le territoire de la commande. Un seul de plusieurs encaissements simultanés du même pass réussit. ' +
          '`siteId` est obligatoire quand le lieu a plusieurs lieux d’accueil. Accepte l’en-tête Idempotency-Key.',
        tags,
        body: redemptionInput,
        response: { 201: redemptionView, ...errorResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const { code, siteId, service } = request.body;
      const redemption = await underLookupThrottle(throttle, { userId: actor.userId, ip: request.ip }, () =>
        app.groupCommit.run(() => redemptionService.redeemPass({ ...deps, actor, code, siteId, service })),
      );
      rememberUsualSite(reply, actor, redemption.siteId, app.config.secureCookies);
      return reply.code(201).send(redemption);
    },
  );

  r.post(
    '/redemptions/check',
    {
      config: allow('place:*'),
      schema: {
        summary: 'Tester un pass sans l’encaisser, au lieu d’accueil choisi',
        description:
          'Mêmes contrôles que l’encaissement, rien n’est écrit : `redeemable` et, en cas de refus, le code (`reason`) et le message à lire. Code inconnu : 404 `pass_not_found`, échecs répétés limités (429).',
        tags,
        body: checkInput,
        response: { 200: checkView, ...errorResponses(400, 401, 403, 404, 422, 429) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      reply.header('cache-control', 'no-store');
      return underLookupThrottle(throttle, { userId: actor.userId, ip: request.ip }, () =>
        redemptionService.checkPass({ ...deps, actor, code: request.body.code, siteId: request.body.siteId }),
      );
    },
  );

  r.get(
    '/redemptions',
    {
      config: allow('place:*', 'operator:*'),
      schema: {
        summary: 'Encaissements (les siens pour un lieu, tous pour l’opérateur), du plus récent au plus ancien',
        description: '`period=AAAA-MM` pour un mois (Europe/Paris). Accepte `Accept: text/csv` ou `format=csv`.',
        tags,
        querystring: redemptionsQuery,
        response: { 200: listOf(redemptionView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, period, status } = request.query;
      const after = decodeCursor(cursor);
      const rows = redemptionService.listRedemptions(app.db, app.clock, requireActor(request), { limit, after, period, status });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      const nextCursor = rows.length > limit && last ? encodeCursor({ createdAt: last.redeemedAt, id: last.id }) : null;
      if (wantsCsv(request)) {
        return sendCsv(reply, `encaissements${period ? `-${period}` : ''}.csv`, items, [
          { header: 'Date', value: (x) => formatFrenchDateTime(x.redeemedAt) },
          { header: 'Pass', value: (x) => x.code },
          { header: 'Montant (€)', value: (x) => euroCell(x.amountCents) },
          { header: 'Lieu', value: (x) => x.placeName },
          { header: 'Lieu d’accueil', value: (x) => x.siteName },
          { header: 'Service', value: (x) => x.service },
          { header: 'Statut', value: (x) => (x.status === 'live' ? 'encaissé' : 'annulé') },
          { header: 'Annulé le', value: (x) => (x.cancelledAt ? formatFrenchDateTime(x.cancelledAt) : null) },
        ]);
      }
      return { items, nextCursor };
    },
  );

  r.get(
    '/redemptions/:redemptionId',
    {
      config: allow('place:*', 'operator:*'),
      schema: { summary: 'Un encaissement', tags, params: redemptionParams, response: { 200: redemptionView, ...errorResponses(401, 403, 404) } },
    },
    async (request) => {
      const found = redemptionService.findRedemptionFor(app.db, app.clock, requireActor(request), request.params.redemptionId);
      if (!found) throw redemptionNotFound();
      return found;
    },
  );

  r.delete(
    '/redemptions/:redemptionId',
    {
      config: allow('place:*'),
      schema: {
        summary: 'Annuler un encaissement (même lieu, dans les 24 heures, avant tout remboursement)',
        description: 'Le pass redevient utilisable et l’écriture est contrepassée.',
        tags,
        params: redemptionParams,
        response: { 204: noContent, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      redemptionService.cancelRedemption({ db: app.db, clock: app.clock, actor: requireActor(request), redemptionId: request.params.redemptionId });
      return reply.code(204).send(null);
    },
  );
};
