import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { parisDate, parisMonth } from '../../shared/paris-time.ts';
import { DomainError } from '../../shared/problem.ts';
import { approvalNotConfirmed, paymentDateInFuture, paymentDateMissing, periodFormatInvalid, rejectionReasonMissing } from './reimbursement.errors.ts';
import { monthlyActivity, renderActivityChart } from './activity-chart.ts';
import { reconciliationReport } from './reconciliation.ts';
import * as reimbursement from './reimbursement.service.ts';
import { requireStepUp } from '../security/security.module.ts';
import { frenchMonth } from '../../../templates/pdf/statement.ts';
import { isConfirmed, renderConfirmation, type ConfirmationPage } from '../../shared/confirmation.ts';
import { countOf } from '../../shared/plural.ts';
import { formatEuros } from '../../shared/money.ts';
import { formatFrenchDate } from '../../shared/paris-time.ts';
import { findPendingJob } from '../jobs/jobs.repository.ts';
import { percentDone } from '../jobs/jobs.schemas.ts';
import { REIMBURSEMENT_BATCH_JOB } from './reimbursement-batch.job.ts';
import { attestationYears } from './attestations.ts';
import { replyCreditNoteList } from './credit-notes.list.ts';
import { replyBatchList } from './reimbursement.list.ts';
import { replyBatchPayoutList } from './batch-payouts.list.ts';
import { replyPlaceStatementList } from './place-statements.list.ts';

const hide = { hide: true };
const financeOnly = allow('operator:finance', 'operator:admin');
const batchParams = z.object({ batchId: z.string().max(64) });

const previousMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

export const financePages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };

  /** A batch being built: its job's progress, or null when its job stopped (failed) and must be started again. */
  const buildingProgress = (batch: reimbursement.BatchRow) => {
    if (batch.status !== 'building') return undefined;
    const job = findPendingJob(app.db, REIMBURSEMENT_BATCH_JOB, batch.period);
    return job ? { jobId: job.id, done: job.progressDone, total: job.progressTotal, percent: percentDone(job) } : null;
  };
  const following = (pending: boolean) => (pending ? { refreshSeconds: 3, scripts: ['/static/js/job-progress.js'] } : {});

  app.get('/finances', { schema: hide, config: financeOnly }, async (_request, reply) =>
    reply.renderPage('pages/finance/hub.eta', { title: 'Finances', lastMonth: previousMonth(parisMonth(app.clock.now())) }),
  );

  app.get('/finances/remboursements', { schema: hide, config: financeOnly }, async (request, reply) =>
    replyBatchList(
      deps,
      request,
      reply,
      (batch) => ({ ...batch, building: buildingProgress(batch) }),
      (batches) => {
        const activity = monthlyActivity(app.db, parisMonth(app.clock.now()), 12);
        return {
          title: 'Remboursements des lieux',
          ...following(batches.some((b) => b.building)),
          lastMonth: previousMonth(parisMonth(app.clock.now())),
          chart: renderActivityChart(activity),
          activity,
          frenchMonth,
        };
      },
    ),
  );

  app.post('/finances/remboursements', { schema: hide, config: financeOnly }, async (request, reply) => {
    const period = String((request.body as Record<string, unknown> | undefined)?.period ?? '');
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw periodFormatInvalid();
    // A large month is built by a job: its progress page, then back to the batch.
    const { batch, jobId } = reimbursement.startBatch({ ...deps, actor: requireActor(request), period, jobThreshold: app.config.batchJobThreshold ?? reimbursement.DEFAULT_BATCH_JOB_THRESHOLD });
    if (jobId) {
      void app.jobs.wake();
      return reply.redirect(`/travaux/${jobId}?retour=${encodeURIComponent(`/finances/remboursements/${batch.id}`)}`, 303);
    }
    return reply.redirect(`/finances/remboursements/${batch.id}`, 303);
  });

  const renderBatch = (request: FastifyRequest, reply: FastifyReply, batchId: string, extra: Record<string, unknown> = {}) => {
    const batch = reimbursement.getBatchHeader(app.db, batchId);
    const messages: Record<string, string> = {
      approuve: 'Lot approuvé : le fichier de virements est prêt.',
      paye: 'Virements confirmés : les pass sont remboursés.',
      rejete: 'Rejet enregistré : les pass du lieu repartiront dans le prochain lot.',
    };
    const building = buildingProgress(batch);
    return replyBatchPayoutList(app.db, batch, request, reply, {
      title: `Lot de remboursement ${batch.period}`,
      batch,
      building,
      statusLabels: reimbursement.BATCH_STATUS_LABELS,
      ...following(Boolean(building)),
      waiting: reimbursement.waitingPlaces(app.db, batch.period),
      reconciliation: reconciliationReport(app.db, { period: batch.period }),
      today: parisDate(app.clock.now()),
      frenchMonth,
      success: messages[(request.query as { message?: string }).message ?? ''],
      ...extra,
    });
  };

  app.get('/finances/remboursements/:batchId', { schema: hide, config: financeOnly }, async (request, reply) =>
    renderBatch(request, reply, batchParams.parse(request.params).batchId),
  );

  const batchAction = (
    segment: string,
    run: (request: FastifyRequest, batchId: string) => void,
    message: string,
    confirm?: (request: FastifyRequest, batchId: string) => ConfirmationPage,
  ) =>
    app.post(`/finances/remboursements/:batchId/${segment}`, { schema: hide, config: financeOnly }, async (request, reply) => {
      const { batchId } = batchParams.parse(request.params);
      try {
        if (confirm && !isConfirmed(request.body)) return await renderConfirmation(request, reply, confirm(request, batchId));
        run(request, batchId);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        return renderBatch(request, reply.code(error.status), batchId, { formError: error.message });
      }
      return reply.redirect(`/finances/remboursements/${batchId}?message=${message}`, 303);
    });

  batchAction('approuver', (request, batchId) => {
    if ((request.body as Record<string, unknown> | undefined)?.confirmation !== 'oui') {
      throw approvalNotConfirmed();
    }
    requireStepUp(app, request);
    reimbursement.approveBatch({ ...deps, actor: requireActor(request), batchId });
  }, 'approuve');
  /** The execution date of the transfers: a real date, and not after today (Paris): a payment is recorded once made. */
  const paidOnOf = (request: FastifyRequest): string => {
    const paidOn = String((request.body as Record<string, unknown> | undefined)?.paidOn ?? '');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(paidOn) || Number.isNaN(Date.parse(`${paidOn}T12:00:00Z`))) {
      throw paymentDateMissing();
    }
    if (paidOn > parisDate(app.clock.now())) {
      throw paymentDateInFuture(paidOn);
    }
    return paidOn;
  };
  batchAction(
    'payer',
    (request, batchId) => {
      const paidOn = paidOnOf(request);
      requireStepUp(app, request);
      reimbursement.markBatchPaid({ ...deps, actor: requireActor(request), batchId, paidOn });
    },
    'paye',
    (request, batchId) => {
      const paidOn = paidOnOf(request);
      // The second factor is asked before the recap; the confirmation then rides on its freshness.
      requireStepUp(app, request);
      const { batch, payouts } = reimbursement.getBatch(app.db, batchId);
      return {
        title: `Marquer le lot « ${frenchMonth(batch.period)} » comme payé ?`,
        facts: [
          { label: 'Encaissements du mois', value: frenchMonth(batch.period) },
          { label: 'Montant total', value: formatEuros(batch.totalCents) },
          { label: 'Virements', value: countOf(payouts.length, 'virement') },
          { label: 'Exécutés le', value: formatFrenchDate(paidOn) },
        ],
        consequences: [
          `Le paiement de ${formatEuros(batch.totalCents)} est passé au journal à la date du ${formatFrenchDate(paidOn)}.`,
          'Chaque lieu du lot voit son relevé marqué comme payé.',
          'Un virement rejeté ensuite par la banque se traite depuis ce lot, virement par virement.',
        ],
        confirmLabel: 'Confirmer le paiement du lot',
        cancelHref: `/finances/remboursements/${batchId}`,
        irreversible: true,
      };
    },
  );
  batchAction('rejeter', (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const reason = String(body.reason ?? '').trim();
    if (!reason) throw rejectionReasonMissing();
    reimbursement.rejectPayout({ ...deps, actor: requireActor(request), payoutId: String(body.payoutId ?? ''), reason: reason.slice(0, 140) });
  }, 'rejete');

  app.get('/finances/rapprochement', { schema: hide, config: financeOnly }, async (request, reply) => {
    const query = request.query as { period?: string };
    const period = query.period && /^\d{4}-(0[1-9]|1[0-2])$/.test(query.period) ? query.period : undefined;
    return reply.renderPage('pages/finance/reconciliation.eta', {
      title: 'Rapprochement',
      report: reconciliationReport(app.db, period ? { period } : {}),
      period,
      fecYear: Number(parisDate(app.clock.now()).slice(0, 4)),
    });
  });

  app.get('/finances/avoirs', { schema: hide, config: allow('operator:*', 'buyer:*') }, async (request, reply) =>
    replyCreditNoteList({ db: app.db, clock: app.clock }, requireActor(request), request, reply, { title: 'Avoirs' }),
  );

  app.get('/releves', { schema: hide, config: allow('place:*') }, async (request, reply) => {
    const actor = requireActor(request);
    return replyPlaceStatementList(deps, actor.organisationId, request, reply, {
      title: 'Relevés et remboursements',
      placeId: actor.organisationId,
      attestationYears: attestationYears(parisDate(app.clock.now())),
      frenchMonth,
    });
  });
};
