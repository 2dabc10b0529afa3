import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { errorResponses } from '../../shared/schemas.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { jobAccepted } from '../jobs/jobs.schemas.ts';
import { expiryRunHandler, startExpiryRun } from './expiry-run.job.ts';
import { fecExportHandler, startFecExport } from './fec.job.ts';
import { reimbursementBatchHandler } from './reimbursement-batch.job.ts';
import { archivePeriod } from './facturx-archive.ts';
import { facturxArchiveHandler, startFacturxArchive } from './facturx-archive.job.ts';

const financeOnly = allow('operator:finance', 'operator:admin');
const year = z.coerce.number().int().min(2000).max(2100);

/**
 * The finance work that runs as jobs: the year's FEC (kept until downloaded), the expiry run
 * started by hand, and large reimbursement batches (started from reimbursement.api.ts and the
 * batches page, above BATCH_JOB_THRESHOLD redemptions). The API answers 202 with the job; the pages send their starter to /travaux/{id}.
 */
export const financeJobs: FastifyPluginAsync = async (app) => {
  app.jobs.register(fecExportHandler());
  app.jobs.register(expiryRunHandler(app.config.gracePeriodDays));
  app.jobs.register(reimbursementBatchHandler());
  app.jobs.register(facturxArchiveHandler(app.db, { operatorIban: app.config.operatorAccount.iban }));
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  r.post(
    '/api/v1/exports/fec/jobs',
    {
      config: financeOnly,
      schema: {
        summary: 'Préparer le FEC d’une année par un travail de fond (gros journaux) : le fichier est conservé jusqu’à son téléchargement',
        description: 'Réponse 202 `{jobId}` ; `GET /api/v1/jobs/{jobId}` donne la progression (écritures écrites sur le total), puis `file.url`. Même fichier que `GET /api/v1/exports/fec`.',
        tags: ['Finances'],
        body: z.object({ year }),
        response: { 202: jobAccepted, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const jobId = startFecExport({ ...deps, actor: requireActor(request), year: request.body.year });
      void app.jobs.wake();
      return reply.code(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId });
    },
  );

  r.post(
    '/api/v1/exports/factur-x/jobs',
    {
      config: financeOnly,
      schema: {
        summary: 'Préparer le ZIP des Factur-X d’une période (factures, appels de fonds, avoirs), chacun nommé par son numéro',
        description:
          'Corps `{month: "AAAA-MM"}` ou `{from, to}` (dates d’émission, heure de Paris, un an au plus). Réponse 202 `{jobId}` ; `GET /api/v1/jobs/{jobId}` donne la progression (documents écrits sur le total), puis `file.url` : un ZIP de `FAC-….pdf` et `AV-….pdf`, les mêmes PDF que `GET /api/v1/invoices/{id}.pdf` et `GET /api/v1/credit-notes/{id}.pdf`. 422 `no_documents_in_period` si la période n’en contient aucun.',
        tags: ['Finances'],
        body: archivePeriod,
        response: { 202: jobAccepted, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const jobId = startFacturxArchive({ ...deps, actor: requireActor(request), period: request.body });
      void app.jobs.wake();
      return reply.code(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId });
    },
  );

  r.post(
    '/api/v1/expiry-runs',
    {
      config: financeOnly,
      schema: {
        summary: 'Lancer maintenant la fin de validité de toutes les commandes échues (ce que fait la tâche quotidienne)',
        description: 'Une commande par transaction courte. Réponse 202 `{jobId}` ; le résultat (`result`) donne commandes, pass expirés, avoirs et échecs.',
        tags: ['Finances'],
        response: { 202: jobAccepted, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const jobId = startExpiryRun({ ...deps, actor: requireActor(request), gracePeriodDays: app.config.gracePeriodDays });
      void app.jobs.wake();
      return reply.code(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId });
    },
  );

  app.post('/finances/fec', { schema: { hide: true }, config: financeOnly }, async (request, reply) => {
    const parsed = z.object({ year }).safeParse(request.body ?? {});
    const chosen = parsed.success ? parsed.data.year : Number(parisDate(app.clock.now()).slice(0, 4));
    const jobId = startFecExport({ ...deps, actor: requireActor(request), year: chosen });
    void app.jobs.wake();
    return reply.redirect(`/travaux/${jobId}?retour=${encodeURIComponent('/finances/rapprochement')}`, 303);
  });

  app.post('/exploitation/fin-de-validite', { schema: { hide: true }, config: financeOnly }, async (request, reply) => {
    const jobId = startExpiryRun({ ...deps, actor: requireActor(request), gracePeriodDays: app.config.gracePeriodDays });
    void app.jobs.wake();
    return reply.redirect(`/travaux/${jobId}?retour=${encodeURIComponent('/exploitation/taches')}`, 303);
  });
};
