import fp from 'fastify-plugin';
import { statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { timingSafeEqual, createHash } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { publicAccess } from '../../plugins/auth.ts';
import { pendingJobCounts } from '../jobs/jobs.repository.ts';
import { databaseFileOf } from '../../../db/files.ts';
import { finishedJobCounts, scheduledRunCounts } from './operations.repository.ts';
import { metricsTokenRequired } from './operations.errors.ts';

/**
 * GET /metrics in Prometheus text format, for `Authorization: Bearer $METRICS_TOKEN` only (401 for
 * everyone when METRICS_TOKEN is unset). prom-client directly, with two hooks: fastify-metrics needs
 * Node 22. One registry per app (tests build many). Counts that live in the database (job and task
 * outcomes, backlog) are read at scrape time: they cover every process and survive restarts.
 */
const sameSecret = (given: string, expected: string) =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

export const metricsPlugin = fp(async (app) => {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'passnum_http_requests_total', help: 'Requêtes HTTP par route et statut', labelNames, registers: [registry] });
  const latency = new Histogram({
    name: 'passnum_http_request_duration_seconds',
    help: 'Durée des requêtes HTTP par route et statut',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const redemptions = new Counter({ name: 'passnum_redemptions_total', help: 'Encaissements demandés, par résultat', labelNames: ['outcome'], registers: [registry] });
  const db = app.db;
  new Gauge({
    name: 'passnum_jobs_backlog',
    help: 'Travaux de fond en attente ou en cours, par nature',
    labelNames: ['kind', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of pendingJobCounts(db)) this.set({ kind: row.kind, status: row.status }, row.n);
    },
  });
  new Gauge({
    name: 'passnum_jobs_finished',
    help: 'Travaux de fond terminés (done) ou en échec (failed), par nature',
    labelNames: ['kind', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of finishedJobCounts(db)) {
        this.set({ kind: row.kind, status: row.status }, row.n);
      }
    },
  });
  new Gauge({
    name: 'passnum_scheduled_runs',
    help: 'Exécutions des tâches planifiées, par tâche et résultat',
    labelNames: ['task', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of scheduledRunCounts(db)) {
        this.set({ task: row.task, outcome: row.outcome ?? 'running' }, row.n);
      }
    },
  });
  const file = databaseFileOf(db);
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  new Gauge({
    name: 'passnum_database_bytes',
    help: 'Taille des fichiers de la base (file = base, wal = journal WAL)',
    labelNames: ['file'],
    registers: [registry],
    collect() {
      if (!file) return;
      this.set({ file: 'database' }, size(file));
      this.set({ file: 'wal' }, size(`${file}-wal`));
    },
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  new Gauge({
    name: 'passnum_event_loop_lag_seconds',
    help: 'Retard de la boucle d’événements depuis la dernière collecte',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      this.set({ quantile: '0.5' }, loop.percentile(50) / 1e9);
      this.set({ quantile: '0.99' }, loop.percentile(99) / 1e9);
      this.set({ quantile: '1' }, loop.max / 1e9);
      loop.reset();
    },
  });
  app.addHook('onClose', async () => loop.disable());

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'inconnue';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
    if (route === '/api/v1/redemptions' && request.method === 'POST') redemptions.inc({ outcome: reply.statusCode < 300 ? 'accepted' : 'refused' });
  });

  app.get('/metrics', { schema: { hide: true }, config: { ...publicAccess, ownBearerToken: true } }, async (request, reply) => {
    const token = app.config.metricsToken;
    const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !given || !sameSecret(given, token)) {
      throw metricsTokenRequired();
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
});
