/**
 * `npm run bench [pdfPasses]`: each figure of the booklets module beside a raw baseline measured in
 * the same run, on the same machine, so the ratio means something whatever the hardware:
 *
 *   a. issuance of 100 000 passes in one transaction (issueBooklets) vs a bare better-sqlite3
 *      prepared-insert loop of the same rows;
 *   b. the print file (benchPdf, default 5 000 passes) vs bare pdfkit drawing as many pages;
 *   c. GET /api/v1/passes/{code} through the whole app (session, throttle, signature, query) vs a
 *      bare Fastify route answering a constant, both through inject; then the p50 and p99 of
 *      lookups sent every 10 ms (open loop, BENCH_LOOKUP_INTERVAL_MS) while an issuance job of BENCH_JOB_BOOKLETS booklets × 10 passes
 *      (20 000 by default) runs, beside the same lookups without the job (scripts/bench-lookup-under-job.ts);
 *   d. QR codes drawn as vector paths vs the `qrcode` module computing the matrices alone;
 *   f. POST /api/v1/redemptions over HTTP on loopback (bearer token, checks, transaction, journal entry),
 *      16 keep-alive clients, vs a bare Fastify route answering a constant under the same load
 *      (scripts/bench-redemption.ts on fewer passes; goal: ≥ 2 000 /s, p99 < 25 ms);
 *   e. a reimbursement batch over 1 000 000 redemptions across 2 000 places vs a bare GROUP BY
 *      (goal: within 10 s), and the expiry of an order of 100 000 passes vs a bare UPDATE.
 *
 * A benchmark, never a test: nothing here fails on a slow machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { migrateDatabase, openDatabase, type Db } from '../db/client.ts';
import { organisations, users } from '../db/schema/accounts.ts';
import { orders } from '../db/schema/orders.ts';
import { passes } from '../db/schema/booklets.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { hashPassword } from '../server/modules/accounts/passwords.ts';
import { issueBooklets } from '../server/modules/booklets/issuance.ts';
import { orderCounts } from '../server/modules/booklets/booklets.service.ts';
import { createPassCodeFactory, passUrl } from '../server/modules/booklets/pass-code.ts';
import { drawQrCode } from '../server/modules/booklets/qr-vector.ts';
import type { OrderRow } from '../server/modules/orders/orders.service.ts';
import { ManualClock } from '../server/shared/clock.ts';
import { newId } from '../server/shared/secrets.ts';
import { approvedBenchOrder } from './bench-order.ts';
import { benchPdf } from './bench-pdf.ts';
import { batchRows, expiryRow, type BenchRow } from './bench-finance.ts';
import { benchRedemption, redemptionRate } from './bench-redemption.ts';
import { benchLookupUnderJob } from './bench-lookup-under-job.ts';

const ISSUED_PASSES = 100_000;
const PASSES_PER_BOOKLET = 10;
const LOOKUPS = 2_000;
const QR_CODES = 5_000;
const REDEMPTION_PASSES = 20_000;
const REDEMPTION_CONNECTIONS = 16;
/** Booklets of the issuance job that runs during the concurrent lookups (BENCH_JOB_BOOKLETS for a quick run). */
const JOB_BOOKLETS = Number(process.env.BENCH_JOB_BOOKLETS ?? 20_000);
const PUBLIC_URL = 'https://pass.example.gouv.fr';
const NOW = new Date('2026-11-25T10:00:00Z');

const pdfPasses = Number(process.argv[2] ?? 5_000);
if (!Number.isInteger(pdfPasses) || pdfPasses < 1) {
  console.error('Usage : npm run bench [nombre de pass du fichier PDF, 5000 par défaut]');
  process.exit(2);
}

const codes = createPassCodeFactory({ secrets: { '1': 'secret-du-banc-de-mesure-0123456789abcdef' }, currentVersion: '1' });
const workDir = mkdtempSync(join(tmpdir(), 'pn-bench-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

const progress = (line: string) => console.log(`… ${line}`);
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const fr = (n: number, digits = 0) => n.toLocaleString('fr-FR', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Each row: our speed as a fraction of the baseline's (1 = as fast as the bare tool). */
const table: BenchRow[] = [];

/** A buyer, a user and a submitted order, written directly: the bench measures issuance, not ordering. */
function seedOrder(db: Db, bookletCount: number): { order: OrderRow; buyer: typeof organisations.$inferSelect } {
  const buyer = {
    id: newId(),
    kind: 'buyer' as const,
    name: 'Département de la Haute-Garonne',
    siret: null,
    buyerType: 'departement' as const,
    communeCode: '31555',
    address: null,
    status: 'active',
    createdAt: NOW.toISOString(),
  };
  db.insert(organisations).values(buyer).run();
  const userId = newId();
  db.insert(users)
    .values({ id: userId, organisationId: buyer.id, email: `banc-${userId}@exemple.test`, name: 'Banc', role: 'admin', passwordHash: 'x', disabled: false, createdAt: NOW.toISOString() })
    .run();
  const order = approvedBenchOrder({
    id: newId(),
    reference: `CMD-BANC-${userId.slice(0, 8)}`,
    buyerId: buyer.id,
    bookletCount,
    validFrom: '2026-11-01',
    validUntil: '2027-12-31',
    territory: { departements: ['31'] },
    at: NOW.toISOString(),
    byUserId: userId,
  });
  db.insert(orders).values(order).run();
  return { order, buyer: db.select().from(organisations).all().find((o) => o.id === buyer.id)! };
}

function freshDb(name: string): Db {
  const db = openDatabase(join(workDir, `${name}.sqlite`));
  migrateDatabase(db);
  return db;
}

// -------------------------------------------------------------------------------------------------
// a. Issuance

/** The bare loop: the same booklet and pass rows through two prepared INSERTs, codes given. */
function bareInsert(db: Db, seeded: ReturnType<typeof seedOrder>, bookletCount: number, precomputed: string[]): void {
  const insertBooklet = db.$client.prepare(
    `INSERT INTO booklets (id, serial, order_id, buyer_id, position, pass_count, status, holder_id, created_at) VALUES (?, ?, ?, ?, ?, ?, 'in_stock', ?, ?)`,
  );
  const insertPass = db.$client.prepare(
    `INSERT INTO passes (code, booklet_id, order_id, position, face_value_cents, status, created_at) VALUES (?, ?, ?, ?, ?, 'issued', ?)`,
  );
  const at = NOW.toISOString();
  db.$client.transaction(() => {
    let n = 0;
    for (let b = 0; b < bookletCount; b++) {
      const bookletId = newId();
      insertBooklet.run(bookletId, `CD31-2026-${String(b + 1).padStart(6, '0')}`, seeded.order.id, seeded.buyer.id, b + 1, PASSES_PER_BOOKLET, seeded.buyer.id, at);
      for (let p = 1; p <= PASSES_PER_BOOKLET; p++) insertPass.run(precomputed[n++], bookletId, seeded.order.id, p, 1000, at);
    }
  })();
}

function benchIssuance(): void {
  const bookletCount = ISSUED_PASSES / PASSES_PER_BOOKLET;
  progress('émission : mise en route (1 000 pass par chaque voie, bases jetables)…');
  {
    const warm = freshDb('warm-ours');
    const w = seedOrder(warm, 100);
    warm.transaction((tx) => issueBooklets(warm, tx, { order: w.order, buyer: w.buyer, codes, now: NOW, year: '2026' }));
    warm.$client.close();
    const warmBare = freshDb('warm-bare');
    bareInsert(warmBare, seedOrder(warmBare, 100), 100, Array.from({ length: 1000 }, () => codes.generate()));
    warmBare.$client.close();
  }
  progress(`émission : ${fr(ISSUED_PASSES)} pass en ${fr(bookletCount)} carnets par issueBooklets (base SQLite sur disque, WAL)…`);
  const db = freshDb('issuance');
  const { order, buyer } = seedOrder(db, bookletCount);
  const start = process.hrtime.bigint();
  db.transaction((tx) => issueBooklets(db, tx, { order, buyer, codes, now: NOW, year: '2026' }));
  const ours = seconds(start);
  const countStart = process.hrtime.bigint();
  const counts = orderCounts(db, order.id);
  const countMs = seconds(countStart) * 1000;
  if (counts.counts.issued !== ISSUED_PASSES) throw new Error(`émission incomplète : ${counts.counts.issued}`);
  db.$client.close();

  progress(`référence : boucle nue d’INSERT préparés, mêmes ${fr(bookletCount)} carnets et ${fr(ISSUED_PASSES)} pass (codes calculés avant le chrono)…`);
  const bare = freshDb('bare');
  const seeded = seedOrder(bare, bookletCount);
  const precomputed = Array.from({ length: ISSUED_PASSES }, () => codes.generate());
  const bareStart = process.hrtime.bigint();
  bareInsert(bare, seeded, bookletCount, precomputed);
  const baseline = seconds(bareStart);
  const inserted = bare.select().from(passes).all().length;
  bare.$client.close();
  if (inserted !== ISSUED_PASSES) throw new Error(`référence incomplète : ${inserted}`);

  const genStart = process.hrtime.bigint();
  for (let i = 0; i < ISSUED_PASSES; i++) codes.generate();
  const generation = seconds(genStart);

  console.log(
    `   émission ${ours.toFixed(2)} s (${fr(ISSUED_PASSES / ours)} pass/s) ; boucle nue ${baseline.toFixed(2)} s ; ` +
      `dont génération des codes seule ${generation.toFixed(2)} s ; comptage de la commande ${countMs.toFixed(0)} ms`,
  );
  table.push({
    what: `Émission de ${fr(ISSUED_PASSES)} pass (1 transaction)`,
    ours: `${ours.toFixed(2)} s`,
    baseline: `${baseline.toFixed(2)} s (INSERT nus)`,
    ratio: baseline / ours,
  });
  // The bare loop is handed its codes; issuance signs each one (random bytes + HMAC). Same work on both sides:
  table.push({
    what: '  même chose, codes comptés des deux côtés',
    ours: `${ours.toFixed(2)} s`,
    baseline: `${(baseline + generation).toFixed(2)} s (+ génération)`,
    ratio: (baseline + generation) / ours,
  });
}

// -------------------------------------------------------------------------------------------------
// b. Print file

async function benchPrint(): Promise<void> {
  progress(`fichier d’impression : ${fr(pdfPasses)} pass en carnets de ${PASSES_PER_BOOKLET}, contre pdfkit nu…`);
  const { ours, baseline } = await benchPdf(pdfPasses);
  console.log(
    `   carnets ${ours.pages} pages en ${ours.seconds.toFixed(2)} s (${fr(ours.pagesPerSecond)} pages/s, RSS max ${fr(ours.peakRssMegabytes)} Mo) ; ` +
      `pdfkit nu ${baseline.pages} pages en ${baseline.seconds.toFixed(2)} s (${fr(baseline.pagesPerSecond)} pages/s, RSS max ${fr(baseline.peakRssMegabytes)} Mo)`,
  );
  table.push({
    what: `Fichier PDF, ${fr(pdfPasses)} pass (pages/s)`,
    ours: `${fr(ours.pagesPerSecond)} p/s`,
    baseline: `${fr(baseline.pagesPerSecond)} p/s (pdfkit nu)`,
    ratio: ours.pagesPerSecond / baseline.pagesPerSecond,
  });
}

// -------------------------------------------------------------------------------------------------
// c. Pass lookup through the app

async function benchLookup(): Promise<void> {
  progress(`vérification de pass : ${fr(LOOKUPS)} GET /api/v1/passes/{code} par inject (session, limitation, signature, requête), contre une route Fastify nue…`);
  const db = freshDb('lookup');
  const { order, buyer } = seedOrder(db, 200);
  db.transaction((tx) => issueBooklets(db, tx, { order, buyer, codes, now: NOW, year: '2026' }));
  const place = { id: newId(), kind: 'place' as const, name: 'EPN du banc', siret: null, buyerType: null, communeCode: '31555', address: null, status: 'active', createdAt: NOW.toISOString() };
  db.insert(organisations).values(place).run();
  const password = 'mot de passe du banc de mesure';
  db.insert(users)
    .values({ id: newId(), organisationId: place.id, email: 'agent@epn-banc.test', name: 'Agent', role: 'agent', passwordHash: await hashPassword(password), disabled: false, createdAt: NOW.toISOString() })
    .run();
  // Through the real config parser: every setting the app expects gets its default.
  const config = loadConfig({
    DATA_DIR: workDir,
    PUBLIC_URL,
    SESSION_SECRET: 'secret-de-session-du-banc-0123456789abcdef',
    PASS_CODE_SECRET: 'secret-du-banc-de-mesure-0123456789abcdef',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
  });
  const app = await buildApp({ config, db, clock: new ManualClock(NOW), logger: false });
  const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'agent@epn-banc.test', password } });
  if (login.statusCode !== 200) throw new Error(`connexion refusée : ${login.body}`);
  const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const sample = db.select({ code: passes.code }).from(passes).limit(LOOKUPS).all().map((p) => p.code);

  const bare = Fastify({ logger: false });
  const constant = { code: sample[0], status: 'issued', faceValueCents: 1000, validFrom: '2026-11-01', validUntil: '2027-12-31', redeemable: false, reason: 'pass_not_distributed' };
  bare.get('/api/v1/passes/:code', async () => constant);
  await bare.ready();

  // Warm-up: JIT, prepared plans, route compilation.
  for (let i = 0; i < 200; i++) {
    await app.inject({ method: 'GET', url: `/api/v1/passes/${sample[i % sample.length]}`, headers: { cookie } });
    await bare.inject({ method: 'GET', url: `/api/v1/passes/${sample[i % sample.length]}` });
  }
  const ourStart = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/passes/${sample[i % sample.length]}`, headers: { cookie } });
    if (res.statusCode !== 200) throw new Error(`vérification refusée : ${res.statusCode} ${res.body}`);
  }
  const ours = seconds(ourStart);
  const bareStart = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) await bare.inject({ method: 'GET', url: `/api/v1/passes/${sample[i % sample.length]}` });
  const baseline = seconds(bareStart);
  console.log(`   application ${fr(LOOKUPS / ours)} requêtes/s (${((ours / LOOKUPS) * 1000).toFixed(2)} ms chacune) ; route nue ${fr(LOOKUPS / baseline)} requêtes/s`);
  table.push({
    what: `GET /passes/{code}, ${fr(LOOKUPS)} requêtes`,
    ours: `${fr(LOOKUPS / ours)} req/s`,
    baseline: `${fr(LOOKUPS / baseline)} req/s (route nue)`,
    ratio: baseline / ours,
  });

  progress(`vérifications concurrentes pendant l’émission de ${fr(JOB_BOOKLETS)} carnets × ${PASSES_PER_BOOKLET} pass par un travail de fond, contre les mêmes sans travail…`);
  const underJob = await benchLookupUnderJob({ app, db, cookie, sample, seeded: seedOrder(db, JOB_BOOKLETS), now: NOW });
  console.log(
    `   pendant le travail (${underJob.jobSeconds.toFixed(1)} s, ${fr(underJob.during.requests)} requêtes) : p50 ${underJob.during.p50.toFixed(1)} ms, p99 ${underJob.during.p99.toFixed(1)} ms ; ` +
      `sans travail : p50 ${underJob.baseline.p50.toFixed(1)} ms, p99 ${underJob.baseline.p99.toFixed(1)} ms`,
  );
  table.push({
    what: `  p50 pendant l’émission de ${fr(JOB_BOOKLETS)} carnets`,
    ours: `${underJob.during.p50.toFixed(1)} ms`,
    baseline: `${underJob.baseline.p50.toFixed(1)} ms (sans travail)`,
    ratio: underJob.baseline.p50 / underJob.during.p50,
  });
  table.push({
    what: '  p99 pendant l’émission (objectif < 100 ms)',
    ours: `${underJob.during.p99.toFixed(1)} ms`,
    baseline: `${underJob.baseline.p99.toFixed(1)} ms (sans travail)`,
    ratio: underJob.baseline.p99 / underJob.during.p99,
  });
  await app.close();
  await bare.close();
  db.$client.close();
}

// -------------------------------------------------------------------------------------------------
// d. QR codes

function benchQr(): void {
  progress(`QR codes : ${fr(QR_CODES)} URL de pass dessinées en vecteurs, contre le module qrcode seul (matrices)…`);
  const urls = Array.from({ length: QR_CODES }, () => passUrl(PUBLIC_URL, codes.generate()));
  const doc = new PDFDocument({ autoFirstPage: false, bufferPages: false, size: 'A4', margin: 0 });
  doc.on('data', () => {});
  doc.addPage({ size: 'A4', margin: 0 });
  for (let i = 0; i < 100; i++) {
    drawQrCode(doc, urls[i]!, { x: 20, y: 20, size: 120 });
    QRCode.create(urls[i]!, { errorCorrectionLevel: 'M' });
  }
  const ourStart = process.hrtime.bigint();
  for (let i = 0; i < QR_CODES; i++) {
    // A fresh page now and then, as the print file does, so the content stream stays page-sized.
    if (i % 50 === 0) doc.addPage({ size: 'A4', margin: 0 });
    drawQrCode(doc, urls[i]!, { x: 20, y: 20, size: 120 });
  }
  const ours = seconds(ourStart);
  doc.end();
  const bareStart = process.hrtime.bigint();
  for (let i = 0; i < QR_CODES; i++) QRCode.create(urls[i]!, { errorCorrectionLevel: 'M' });
  const baseline = seconds(bareStart);
  console.log(`   dessinés ${fr(QR_CODES / ours)} QR/s ; qrcode seul ${fr(QR_CODES / baseline)} matrices/s`);
  table.push({ what: `QR codes vectoriels, ${fr(QR_CODES)}`, ours: `${fr(QR_CODES / ours)} QR/s`, baseline: `${fr(QR_CODES / baseline)} QR/s (qrcode seul)`, ratio: baseline / ours });
}

// -------------------------------------------------------------------------------------------------
// f. Redemptions over HTTP

async function benchRedemptions(): Promise<void> {
  const { ours, withKeys, baseline, balanced } = await benchRedemption(REDEMPTION_PASSES, REDEMPTION_CONNECTIONS, progress);
  const failures = ours.failures + withKeys.failures;
  if (failures > 0 || !balanced) {
    throw new Error(`encaissements : ${failures} échec(s) (${ours.firstFailure ?? withKeys.firstFailure ?? ''}), journal ${balanced ? 'équilibré' : 'déséquilibré'}`);
  }
  console.log(
    `   application ${fr(redemptionRate(ours))} encaissements/s (p50 ${fr(ours.p50, 1)} ms, p99 ${fr(ours.p99, 1)} ms) ; ` +
      `route nue ${fr(redemptionRate(baseline))} requêtes/s (p99 ${fr(baseline.p99, 1)} ms)`,
  );
  const met = redemptionRate(ours) >= 2000 && ours.p99 < 25;
  console.log(`   objectif ≥ 2 000 /s et p99 < 25 ms : ${met ? 'atteint' : 'NON ATTEINT'}`);
  console.log(`   avec une Idempotency-Key par requête : ${fr(redemptionRate(withKeys))} encaissements/s (p99 ${fr(withKeys.p99, 1)} ms)`);
  table.push({
    what: `POST /redemptions, ${fr(ours.count)} (${REDEMPTION_CONNECTIONS} conn. HTTP)`,
    ours: `${fr(redemptionRate(ours))} /s`,
    baseline: `${fr(redemptionRate(baseline))} /s (route nue)`,
    ratio: redemptionRate(ours) / redemptionRate(baseline),
  });
  table.push({
    what: '  avec Idempotency-Key sur chaque requête',
    ours: `${fr(redemptionRate(withKeys))} /s`,
    baseline: `${fr(redemptionRate(baseline))} /s (route nue)`,
    ratio: redemptionRate(withKeys) / redemptionRate(baseline),
  });
  table.push({ what: '  latence p99 (objectif < 25 ms)', ours: `${ours.p99.toFixed(1)} ms`, baseline: `${baseline.p99.toFixed(1)} ms (route nue)`, ratio: baseline.p99 / ours.p99 });
}

// -------------------------------------------------------------------------------------------------

const started = process.hrtime.bigint();
console.log(`Banc de mesure Pass numérique — Node ${process.version}, ${process.platform}/${process.arch}`);
// BENCH_ONLY=lookup: only the lookups (alone, then beside a running job), for a quick run;
// BENCH_ONLY=batch: only the reimbursement batch, in one transaction and as its job.
const only = process.env.BENCH_ONLY;
// The print file first: its peak RSS is then not inflated by what the other benches allocated.
if (!only) await benchPrint();
if (!only) benchIssuance();
if (!only || only === 'lookup') await benchLookup();
if (!only) await benchRedemptions();
if (!only) benchQr();
if (!only || only === 'batch') table.push(...(await batchRows(Number(process.env.BENCH_REDEMPTIONS ?? 1_000_000), progress)));
if (!only) table.push(expiryRow(ISSUED_PASSES, codes, progress));

const widths = [44, 14, 30];
console.log('');
console.log(`${'Mesure'.padEnd(widths[0]!)} ${'Nous'.padStart(widths[1]!)} ${'Référence brute'.padStart(widths[2]!)}  Rapport`);
console.log('-'.repeat(widths[0]! + widths[1]! + widths[2]! + 11));
for (const row of table) {
  console.log(`${row.what.padEnd(widths[0]!)} ${row.ours.padStart(widths[1]!)} ${row.baseline.padStart(widths[2]!)}  ${row.ratio.toFixed(2)}`);
}
console.log('');
console.log(
  'Rapport = notre vitesse / vitesse de la référence (1 = aussi rapide que l’outil nu ; objectifs : émission ≥ 0,5, ' +
    'encaissements ≥ 2 000 /s avec p99 < 25 ms, lot de 1 000 000 d’utilisations en moins de 10 s).',
);
console.log(`Durée totale ${seconds(started).toFixed(0)} s.`);
