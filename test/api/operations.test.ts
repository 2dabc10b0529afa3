import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp } from '../helpers/app.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';

const METRICS_TOKEN = 'jeton-des-metriques-0123456789abcdef';

t.test('GET /metrics answers 401 without the bearer token, and Prometheus text with it', async (t) => {
  const { app } = await buildTestApp(t, { config: { metricsToken: METRICS_TOKEN } });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer pas-le-bon-jeton-pas-le-bon-jeton' } });
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().code, 'metrics_token_required');
  await app.inject({ method: 'GET', url: '/healthz' });
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.match(res.body, /passnum_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
  t.match(res.body, /passnum_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status="200"\}/);
  t.match(res.body, /passnum_event_loop_lag_seconds\{quantile="0\.99"\}/);
  t.match(res.body, /# TYPE passnum_jobs_backlog gauge/);
  t.match(res.body, /# TYPE passnum_redemptions_total counter/);
});

t.test('without METRICS_TOKEN configured, /metrics refuses everyone', async (t) => {
  const { app } = await buildTestApp(t);
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer n-importe-quel-jeton-0123456789' } })).statusCode, 401);
});

t.test('/readyz fails, with its reason, on a database that cannot be written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pn-ready-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'passnum.sqlite');
  const { app, db } = await buildTestApp(t, { databasePath: path });
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  // The file turning read-only under a running service. Root ignores file modes, so the connection
  // is made read-only instead: SQLite answers SQLITE_READONLY exactly as for a read-only file.
  db.$client.pragma('query_only = ON');
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { status: 'not_ready', reason: 'database_not_writable', detail: new RegExp(`La base ${path} refuse l’écriture`) });
});

t.test('/readyz fails when the disk holding the database is (nearly) full: a 4 MB tmpfs', async (t) => {
  const mountPoint = mountTmpfs(t, 'pn-tmpfs-', '4m');
  if (!mountPoint) return;
  mkdirSync(join(mountPoint, 'data'));
  const ctx = await buildTestApp(t, { databasePath: join(mountPoint, 'data', 'passnum.sqlite'), config: { minFreeDiskBytes: 1024 * 1024 } });
  t.equal((await ctx.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready with room to spare');
  try {
    writeFileSync(join(mountPoint, 'remplissage'), Buffer.alloc(4 * 1024 * 1024));
  } catch {
    // ENOSPC: the disk is full, which is the point.
  }
  const full = await ctx.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(full.statusCode, 503);
  t.match(full.json(), { reason: 'disk_space_low', detail: /Mo libres dans .*MIN_FREE_DISK_MB/ });
});

t.test('the checkpoint thread counts as stuck after a long silence, not before', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pn-ckpt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { app } = await buildTestApp(t, { databasePath: join(dir, 'passnum.sqlite') });
  await app.checkpointer.ready;
  t.equal(app.checkpointer.stuckReason(), undefined);
  t.match(app.checkpointer.stuckReason(Date.now() + 10 * 60_000), /aucun point de contrôle WAL depuis/);
});
