import type { FastifyPluginAsync } from 'fastify';
import { allow, requireActor } from '../../plugins/auth.ts';
import { replyJobList } from './jobs.list.ts';

const TASK_LABELS: Record<string, string> = {
  expiry: 'Fin de validité des commandes et avoirs',
  purges: 'Purge des clés d’idempotence, sessions et invitations expirées',
  backup: 'Sauvegarde de la base et des secrets',
  outbox: 'Envoi des courriels en attente et nouveaux essais',
  'validity-notices': 'Alertes de fin de validité (J-30) et arrêt de la distribution (J-15)',
};

/**
 * The operator's view of what runs by itself: every scheduled task's last run, duration, outcome and
 * next run, then the background jobs (filters, sort, pages, CSV).
 */
export const operationsPages: FastifyPluginAsync = async (app) => {
  app.get('/exploitation/taches', { schema: { hide: true }, config: allow('operator:admin') }, async (request, reply) =>
    replyJobList(app.db, requireActor(request), request, reply, {
      title: 'Tâches planifiées',
      jobsEnabled: app.config.jobsEnabled !== false,
      tasks: app.scheduler.list().map((task) => ({ ...task, label: TASK_LABELS[task.name] ?? task.name })),
    }),
  );
};
