import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { renderStatementPdf } from '../../../templates/pdf/statement.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { euroCell } from '../../shared/csv.ts';
import { sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { placeNotFound } from '../places/places.errors.ts';
import { boundedText, calendarDate, errorResponses, id, listOf } from '../../shared/schemas.ts';
import { canSeeOrganisation } from '../identity/actor.ts';
import { BATCH_STATUSES } from '../../../db/schema/reimbursement.ts';
import { jobAccepted } from '../jobs/jobs.schemas.ts';
import * as reimbursement from './reimbursement.service.ts';
import { statementCsv, statementFor, statementsOf } from './statements.ts';

export const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM');

const batchView = z.object({
  id: z.string(),
  period: z.string(),
  status: z.enum(BATCH_STATUSES).describe('`building` : préparé par un travail de fond, virements et totaux incomplets, ni approuvable ni exportable'),
  totalCents: z.number().int(),
  payoutCount: z.number().int(),
  lineCount: z.number().int(),
  requestedExecutionDate: z.string().nullable(),
  paidOn: z.string().nullable(),
});
const payoutView = z.object({
  id: z.string(),
  placeId: z.string(),
  placeName: z.string(),
  reference: z.string(),
  amountCents: z.number().int(),
  lineCount: z.number().int(),
  status: z.enum(['pending', 'approved', 'paid', 'rejected']),
  rejectionReason: z.string().nullable(),
});
const waitingView = z.object({ placeId: z.string(), placeName: z.string(), redemptionCount: z.number().int(), totalCents: z.number().int() });

const toBatchView = (b: reimbursement.BatchRow) => ({
  id: b.id,
  period: b.period,
  status: b.status,
  totalCents: b.totalCents,
  payoutCount: b.payoutCount,
  lineCount: b.lineCount,
  requestedExecutionDate: b.requestedExecutionDate,
  paidOn: b.paidOn,
});

const financeOnly = allow('operator:finance', 'operator:admin');
const batchParams = z.object({ batchId: id });

export const reimbursementApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  const detail = (batchId: string) => {
    const { batch, payouts } = reimbursement.getBatch(app.db, batchId);
    return {
      ...toBatchView(batch),
      payouts: payouts.map(({ payout, placeName }) => ({
        id: payout.id,
        placeId: payout.placeId,
        placeName,
        reference: payout.reference,
        amountCents: payout.amountCents,
        lineCount: payout.lineCount,
        status: payout.status,
        rejectionReason: payout.rejectionReason,
      })),
      waiting: reimbursement.waitingPlaces(app.db, batch.period).map((w) => ({ placeId: w.place_id, placeName: w.name, redemptionCount: w.n, totalCents: w.total })),
    };
  };
  const detailView = batchView.extend({ payouts: z.array(payoutView), waiting: z.array(waitingView) });

  r.get(
    '/reimbursement-batches',
    {
      config: financeOnly,
      schema: { summary: 'Lots mensuels de remboursement des lieux', description: 'Accepte `Accept: text/csv`.', tags: ['Remboursements'], response: { 200: listOf(batchView), ...errorResponses(401, 403) } },
    },
    async (request, reply) => {
      const items = reimbursement.listBatches(app.db).map(toBatchView);
      if (wantsCsv(request)) {
        return sendCsv(reply, 'lots-de-remboursement.csv', items, [
          { header: 'Mois', value: (b) => b.period },
          { header: 'Statut', value: (b) => ({ building: 'En préparation', draft: 'Brouillon', approved: 'Approuvé', paid: 'Payé' })[b.status] },
          { header: 'Virements', value: (b) => b.payoutCount },
          { header: 'Pass', value: (b) => b.lineCount },
          { header: 'Montant (€)', value: (b) => euroCell(b.totalCents) },
          { header: 'Payé le', value: (b) => b.paidOn },
        ]);
      }
      return { items, nextCursor: null };
    },
  );

  r.post(
    '/reimbursement-batches',
    {
      config: { ...financeOnly, idempotent: true },
      schema: {
        summary: 'Préparer le lot d’un mois terminé (sans effet s’il existe déjà)',
        description:
          'Un lot de moins de BATCH_JOB_THRESHOLD utilisations est construit aussitôt (201, ou 200 s’il existait). Au-delà, le lot est créé « building » et construit par un travail de fond : réponse 202 `{jobId}` (suivi sur `GET /api/v1/jobs/{jobId}`, dont `result` donne le lot une fois prêt) ; redemander le même mois pendant la construction redonne le même travail. Rien à payer : 422 `nothing_to_pay`, avant tout travail.',
        tags: ['Remboursements'],
        body: z.object({ period }),
        response: { 201: detailView, 200: detailView, 202: jobAccepted, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const started = reimbursement.startBatch({ ...deps, actor: requireActor(request), period: request.body.period, jobThreshold: app.config.batchJobThreshold ?? reimbursement.DEFAULT_BATCH_JOB_THRESHOLD });
      if (started.jobId) {
        void app.jobs.wake();
        return reply.code(202).header('location', `/api/v1/jobs/${started.jobId}`).send({ jobId: started.jobId });
      }
      return reply.code(started.created ? 201 : 200).send(detail(started.batch.id));
    },
  );

  r.get(
    '/reimbursement-batches/:batchId',
    { config: financeOnly, schema: { summary: 'Un lot, ses virements et les lieux en attente', tags: ['Remboursements'], params: batchParams, response: { 200: detailView, ...errorResponses(401, 403, 404) } } },
    async (request) => detail(request.params.batchId),
  );

  r.post(
    '/reimbursement-batches/:batchId/approve',
    {
      config: { ...financeOnly, idempotent: true, stepUp: true },
      schema: { summary: 'Approuver un lot : rend le fichier SEPA disponible', description: 'Avec la double authentification : en-tête X-Second-Factor (code du moment). Un lot encore en préparation (`building`) : 409 `batch_being_built`.', tags: ['Remboursements'], params: batchParams, response: { 200: detailView, ...errorResponses(401, 403, 404, 409, 429) } },
    },
    async (request) => {
      reimbursement.approveBatch({ ...deps, actor: requireActor(request), batchId: request.params.batchId });
      return detail(request.params.batchId);
    },
  );

  r.get(
    '/reimbursement-batches/:batchId/sepa.xml',
    {
      config: financeOnly,
      schema: { summary: 'Fichier de virements SEPA (pain.001.001.03)', tags: ['Remboursements'], params: batchParams, produces: ['application/xml'], response: { 200: z.any().describe('XML pain.001.001.03'), ...errorResponses(401, 403, 404, 409) } },
    },
    async (request, reply) => {
      const { fileName, xml } = reimbursement.batchSepaXml(app.db, app.config, request.params.batchId);
      return reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`).send(xml);
    },
  );

  r.post(
    '/reimbursement-batches/:batchId/paid',
    {
      config: { ...financeOnly, idempotent: true, stepUp: true },
      schema: { summary: 'Confirmer l’exécution des virements par la banque', description: 'Avec la double authentification : en-tête X-Second-Factor (code du moment).', tags: ['Remboursements'], params: batchParams, body: z.object({ paidOn: calendarDate }), response: { 200: detailView, ...errorResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (request) => {
      reimbursement.markBatchPaid({ ...deps, actor: requireActor(request), batchId: request.params.batchId, paidOn: request.body.paidOn });
      return detail(request.params.batchId);
    },
  );

  r.post(
    '/payouts/:payoutId/reject',
    {
      config: financeOnly,
      schema: {
        summary: 'Enregistrer le rejet d’un virement par la banque (les pass repartent dans un prochain lot)',
        tags: ['Remboursements'],
        params: z.object({ payoutId: id }),
        body: z.object({ reason: boundedText(140) }),
        response: { 200: z.object({ id: z.string(), status: z.string(), rejectionReason: z.string().nullable() }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const payout = reimbursement.rejectPayout({ ...deps, actor: requireActor(request), payoutId: request.params.payoutId, reason: request.body.reason });
      return { id: payout.id, status: payout.status, rejectionReason: payout.rejectionReason };
    },
  );

  const placeParams = z.object({ placeId: id });
  const requirePlaceVisible = (request: Parameters<typeof requireActor>[0], placeId: string) => {
    if (!canSeeOrganisation(requireActor(request), placeId)) throw placeNotFound();
  };

  r.get(
    '/places/:placeId/statements',
    {
      config: allow('place:*', 'operator:*'),
      schema: {
        summary: 'Relevés de remboursement d’un lieu',
        tags: ['Remboursements'],
        params: placeParams,
        response: { 200: listOf(z.object({ period: z.string(), reference: z.string(), amountCents: z.number().int(), lineCount: z.number().int(), status: z.string(), expectedPaymentDate: z.string().nullable() })), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      requirePlaceVisible(request, request.params.placeId);
      return {
        items: statementsOf(app.db, request.params.placeId).map((s) => ({
          period: s.period,
          reference: s.payout.reference,
          amountCents: s.payout.amountCents,
          lineCount: s.payout.lineCount,
          status: s.payout.status,
          expectedPaymentDate: s.paidOn ?? s.executionDate,
        })),
        nextCursor: null,
      };
    },
  );

  for (const format of ['pdf', 'csv'] as const) {
    r.get(
      `/places/:placeId/statements/:period.${format}`,
      {
        config: allow('place:*', 'operator:*'),
        schema: {
          summary: `Relevé mensuel d’un lieu (${format.toUpperCase()})`,
          tags: ['Remboursements'],
          params: placeParams.extend({ period }),
          produces: [format === 'pdf' ? 'application/pdf' : 'text/csv'],
          response: { 200: z.any().describe(`Relevé ${format.toUpperCase()}`), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        requirePlaceVisible(request, request.params.placeId);
        const { data, lines } = statementFor(app.db, request.params.placeId, request.params.period);
        const name = `releve-${data.reference}.${format}`;
        reply.header('content-disposition', `attachment; filename="${name}"`);
        if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(statementCsv(lines));
        return reply.type('application/pdf').send(await renderStatementPdf(data));
      },
    );
  }
};
