/**
 * Redemption under load, over real HTTP on loopback: `npx tsx scripts/bench-redemption.ts [passes] [connections]`.
 *
 * The whole app (bearer-token authentication, signature check, the transaction with its
 * conditional UPDATE, redemption row and journal entry, on a WAL file database) redeems distinct
 * valid codes, in random order, as fast as `connections` keep-alive clients can send them; then a
 * bare Fastify route answering a constant takes the same load from the same load generator in the
 * same run. The clients run in a worker thread (load-generator.mjs), as autocannon would in its own
 * process: on the server's thread they would take a third of its time. Prints redemptions per
 * second, p50/p99 latency and our rate as a fraction of the bare one.
 *
 * A benchmark, never a test: nothing here fails on a slow machine. Goal on a 2-core machine:
 * ≥ 2 000 redemptions/s, p99 < 25 ms. `npm run bench` runs it too (benchRedemption).
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import { migrateDatabase, openDatabase } from '../db/client.ts';
import { organisations, users } from '../db/schema/accounts.ts';
import { passes } from '../db/schema/booklets.ts';
import { placeBankAccounts, places, placeSites } from '../db/schema/places.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig, type Config } from '../server/config.ts';
import type { Actor } from '../server/modules/identity/actor.ts';
import { createApiToken } from '../server/modules/accounts/accounts.service.ts';
import { passCodeFactoryFor } from '../server/modules/booklets/codes.ts';
import { approveOrder, recordMandate, submitOrder } from '../server/modules/orders/orders.service.ts';
import { ManualClock } from '../server/shared/clock.ts';
import { newId } from '../server/shared/secrets.ts';
import { trialBalance } from '../server/modules/finance/ledger.ts';

const NOW = '2026-11-25T10:00:00.000Z';

const fr = (n: number, digits = 0) => n.toLocaleString('fr-FR', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function actor(org: typeof organisations.$inferSelect, userId: string): Actor {
  return { userId, email: `${userId}@banc.test`, name: 'Banc', role: 'admin', organisationId: org.id, organisationKind: org.kind, organisationName: org.name, via: 'token' };
}

/** A funded order of `passCount` passes, every booklet handed out, and a labelled place in Muret with an API token. */
function seed(config: Config, passCount: number) {
  const db = openDatabase(config.databasePath);
  migrateDatabase(db);
  const clock = new ManualClock(NOW);
  const org = (kind: 'operator' | 'buyer' | 'place', name: string, extra: Partial<typeof organisations.$inferInsert> = {}) => {
    const row = { id: newId(), kind, name, siret: null, buyerType: null, communeCode: null, address: null, status: 'active', createdAt: NOW, ...extra };
    db.insert(organisations).values(row).run();
    const userId = newId();
    db.insert(users).values({ id: userId, organisationId: row.id, email: `${userId}@banc.test`, name: 'Banc', role: 'admin', passwordHash: 'x', createdAt: NOW }).run();
    return actor(row as typeof organisations.$inferSelect, userId);
  };
  const operator = org('operator', 'Opérateur');
  const buyer = org('buyer', 'Département de la Haute-Garonne', { buyerType: 'departement', communeCode: '31555' });
  const place = org('place', 'EPN de Muret', { communeCode: '31395' });
  const order = submitOrder({
    db,
    clock,
    actor: buyer,
    feeBasisPoints: 0,
    input: { bookletCount: passCount / 10, passesPerBooklet: 10, faceValueCents: 1000, validFrom: '2026-11-01', validUntil: '2027-10-31', publics: null, territory: { departements: ['31'] } },
  });
  approveOrder({ db, clock, actor: operator, orderId: order.id, codes: passCodeFactoryFor(config) });
  recordMandate({ db, clock, actor: buyer, orderId: order.id, mandateNumber: 'MDT-BANC' });
  // Distribution is not what is measured: hand every booklet out at once.
  db.run(sql`UPDATE booklets SET status = 'distributed' WHERE order_id = ${order.id}`);
  db.run(sql`UPDATE passes SET status = 'active', activated_at = ${NOW} WHERE order_id = ${order.id}`);
  db.insert(places).values({ organisationId: place.organisationId, status: 'labelled', source: 'application', createdAt: NOW, updatedAt: NOW, labelledAt: NOW }).run();
  db.insert(placeSites)
    .values({ id: newId(), placeId: place.organisationId, name: 'EPN', address: '1 place', communeCode: '31395', services: [], createdAt: NOW, updatedAt: NOW })
    .run();
  db.insert(placeBankAccounts)
    .values({ id: newId(), placeId: place.organisationId, holder: 'EPN', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP', status: 'validated', submittedAt: NOW })
    .run();
  // Tokens are made from a session (never by another token): the bench acts as the person signed in.
  const token = createApiToken({ db, clock, actor: { ...place, via: 'session' }, name: 'banc' }).token;
  // In code order, i.e. random with respect to issuance: passes come back to counters in any order,
  // and each redemption then touches its own page of the passes table, as in real use.
  const codes = db.select({ code: passes.code }).from(passes).orderBy(passes.code).all().map((p) => p.code);
  return { db, clock, token, codes };
}

export interface LoadResult {
  count: number;
  failures: number;
  /** Status and body of the first refused request, to say why when there are failures. */
  firstFailure: string | null;
  seconds: number;
  p50: number;
  p99: number;
}

/**
 * `connections` keep-alive clients sending `bodies` to `origin`, from a worker thread (the load
 * generator must not steal the server's event loop, as it would in-process).
 */
async function load(origin: string, bodies: string[], headers: Record<string, string>, connections: number, idempotencyKeys = false): Promise<LoadResult> {
  const worker = new Worker(new URL('./load-generator.mjs', import.meta.url), {
    workerData: { origin, path: '/api/v1/redemptions', method: 'POST', headers, bodies, connections, idempotencyKeys },
  });
  const [outcome] = (await once(worker, 'message')) as [{ seconds: number; failures: number; firstFailure: string | null; latencies: Float64Array }];
  await worker.terminate();
  const latencies = outcome.latencies.sort();
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { count: bodies.length, failures: outcome.failures, firstFailure: outcome.firstFailure, seconds: outcome.seconds, p50: at(0.5), p99: at(0.99) };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

export interface RedemptionBench {
  ours: LoadResult;
  /** The same load, each request with its own Idempotency-Key (as an integration should send). */
  withKeys: LoadResult;
  baseline: LoadResult;
  /** The trial balance of the journal after the load: debits = credits. */
  balanced: boolean;
}

export const redemptionRate = (r: LoadResult) => r.count / r.seconds;

/**
 * `passCount` distinct valid codes redeemed through the whole app over HTTP by `connections`
 * keep-alive clients (the first tenth, at most 500, as warm-up); `passCount` more with an
 * Idempotency-Key on each request; then the first load on a bare Fastify route answering a constant.
 */
export async function benchRedemption(passCount: number, connections: number, progress: (line: string) => void): Promise<RedemptionBench> {
  const workDir = mkdtempSync(join(tmpdir(), 'pn-bench-redemption-'));
  try {
    // Through loadConfig, so that the bench follows every new setting with its default.
    const config: Config = loadConfig({ DATA_DIR: workDir, DEMO_DATA: 'false', LOG_LEVEL: 'error', PUBLIC_URL: 'http://127.0.0.1' });
    progress(`encaissements : préparation de ${fr(2 * passCount)} pass distribués, un lieu labellisé, ${connections} connexions`);
    const { db, clock, token, codes } = seed(config, 2 * passCount);
    const app = await buildApp({ config, db, clock, logger: false });
    const origin = await listen(app);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const bodies = codes.map((code) => JSON.stringify({ code }));
    const keyedBodies = bodies.splice(passCount);
    // Warm-up on a slice of codes: JIT, prepared statements, connection set-up.
    const warm = bodies.splice(0, Math.min(500, Math.floor(bodies.length / 10)));
    await load(origin, warm, headers, connections);
    progress(`encaissements : ${fr(bodies.length)} codes distincts par POST /api/v1/redemptions`);
    const ours = await load(origin, bodies, headers, connections);
    progress(`encaissements : ${fr(keyedBodies.length)} autres codes, chaque requête avec son Idempotency-Key`);
    const withKeys = await load(origin, keyedBodies, headers, connections, true);
    await app.close();

    const bare = Fastify({ logger: false });
    const constant = { id: 'x', code: 'x', amountCents: 1000, redeemedAt: NOW };
    bare.post('/api/v1/redemptions', async (_request, reply) => reply.code(201).send(constant));
    const bareOrigin = await listen(bare);
    await load(bareOrigin, warm, headers, connections);
    progress('encaissements : route Fastify nue (constante), même charge');
    const baseline = await load(bareOrigin, bodies, headers, connections);
    await bare.close();
    const balanced = trialBalance(db).balanced;
    db.$client.close();
    return { ours, withKeys, baseline, balanced };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (runDirectly) {
  const passCount = Number(process.argv[2] ?? 20_000);
  const connections = Number(process.argv[3] ?? 16);
  const { ours, withKeys, baseline, balanced } = await benchRedemption(passCount, connections, (line) => console.log(`… ${line}`));
  console.log('');
  console.log(`Encaissements : ${fr(redemptionRate(ours))} /s, p50 ${fr(ours.p50, 2)} ms, p99 ${fr(ours.p99, 2)} ms, ${ours.failures} échec(s)${ours.firstFailure ? ` (premier : ${ours.firstFailure})` : ''}`);
  console.log(`Avec clés     : ${fr(redemptionRate(withKeys))} /s, p50 ${fr(withKeys.p50, 2)} ms, p99 ${fr(withKeys.p99, 2)} ms, ${withKeys.failures} échec(s) (Idempotency-Key sur chaque requête)`);
  console.log(`Route nue     : ${fr(redemptionRate(baseline))} /s, p50 ${fr(baseline.p50, 2)} ms, p99 ${fr(baseline.p99, 2)} ms`);
  console.log(`Rapport       : ${fr(redemptionRate(ours) / redemptionRate(baseline), 2)} (1 = aussi rapide que la route nue)`);
  console.log(`Objectif      : ≥ 2 000 /s et p99 < 25 ms — ${redemptionRate(ours) >= 2000 && ours.p99 < 25 ? 'atteint' : 'non atteint'}`);
  console.log(`Journal       : balance ${balanced ? 'équilibrée' : 'DÉSÉQUILIBRÉE'}`);
}
