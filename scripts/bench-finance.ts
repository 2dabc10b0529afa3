/**
 * Finance benchmarks, each beside a raw baseline measured in the same run (used by scripts/bench.ts):
 *  - building a reimbursement batch over N redemptions across P places vs a bare SQL GROUP BY, in one
 *    transaction and as its job (total time, and the longest step: how long other requests wait);
 *  - expiring an order of N passes (credit note, journal entry) vs a bare UPDATE of the same rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase, type Db } from '../db/client.ts';
import { buildBatch, startBatch } from '../server/modules/finance/reimbursement.service.ts';
import { reimbursementBatchHandler } from '../server/modules/finance/reimbursement-batch.job.ts';
import { JobRunner } from '../server/modules/jobs/jobs.runner.ts';
import { expireOrder } from '../server/modules/finance/expiry.service.ts';
import { postEntry } from '../server/modules/finance/ledger.ts';
import { issueBooklets } from '../server/modules/booklets/issuance.ts';
import type { PassCodeFactory } from '../server/modules/booklets/pass-code.ts';
import { approvedBenchOrder } from './bench-order.ts';
import type { OrderRow } from '../server/modules/orders/orders.service.ts';
import { ManualClock } from '../server/shared/clock.ts';

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

function freshDb(dir: string, name: string): Db {
  const db = openDatabase(join(dir, `${name}.sqlite`));
  migrateDatabase(db);
  return db;
}

/**
 * October 2026: `redemptionCount` live redemptions spread over `placeCount` places with validated
 * bank details. Rows go in raw, foreign keys off: the bench measures the batch, not the seeding.
 */
function seedRedemptions(db: Db, redemptionCount: number, placeCount: number, progress: (s: string) => void): void {
  const c = db.$client;
  c.pragma('foreign_keys = OFF');
  c.transaction(() => {
    const org = c.prepare(`INSERT INTO organisations (id, kind, name, status, created_at) VALUES (?, 'place', ?, 'active', '2026-01-01')`);
    const place = c.prepare(`INSERT INTO places (organisation_id, status, source, created_at, updated_at) VALUES (?, 'labelled', 'application', '2026-01-01', '2026-01-01')`);
    const bank = c.prepare(
      `INSERT INTO place_bank_accounts (id, place_id, holder, iban, bic, status, submitted_at) VALUES (?, ?, ?, 'FR7630006000011234567890189', 'AGRIFRPP', 'validated', '2026-01-01')`,
    );
    for (let p = 0; p < placeCount; p++) {
      org.run(`place-${p}`, `Lieu ${p}`);
      place.run(`place-${p}`);
      bank.run(`bank-${p}`, `place-${p}`, `Lieu ${p}`);
    }
    const redemption = c.prepare(
      `INSERT INTO redemptions (id, pass_id, place_id, site_id, amount_cents, redeemed_at, period, status, journal_entry_id)
       VALUES (?, ?, ?, 'site', 1000, '2026-10-15T10:00:00Z', '2026-10', 'live', 'entry')`,
    );
    for (let i = 0; i < redemptionCount; i++) {
      redemption.run(`r-${i}`, i + 1, `place-${i % placeCount}`);
      if (i > 0 && i % 250_000 === 0) progress(`    ${i.toLocaleString('fr-FR')} utilisations insérées…`);
    }
  })();
  c.pragma('foreign_keys = ON');
}

export function benchBatch(redemptionCount: number, placeCount: number, progress: (s: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'pn-bench-batch-'));
  try {
    const db = freshDb(dir, 'batch');
    progress(`lot de remboursement : ${redemptionCount.toLocaleString('fr-FR')} utilisations chez ${placeCount.toLocaleString('fr-FR')} lieux (insertion)…`);
    seedRedemptions(db, redemptionCount, placeCount, progress);
    db.$client.exec('ANALYZE');
    progress('référence : SELECT … GROUP BY place_id sur la même table…');
    const bareStart = process.hrtime.bigint();
    const grouped = db.$client
      .prepare(`SELECT place_id, SUM(amount_cents) AS total, COUNT(*) AS n FROM redemptions WHERE status = 'live' AND period <= '2026-10' GROUP BY place_id`)
      .all();
    const baseline = seconds(bareStart);
    progress('lot : buildBatch (lignes, virements par lieu, contrôle des totaux, une transaction)…');
    const clock = new ManualClock('2026-11-03T09:00:00Z');
    const start = process.hrtime.bigint();
    const { batch } = buildBatch({ db, clock, actor: null, period: '2026-10' });
    const ours = seconds(start);
    if (batch.lineCount !== redemptionCount || batch.payoutCount !== grouped.length) throw new Error('lot incomplet');
    db.$client.close();
    return { ours, baseline, payouts: batch.payoutCount };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same month built by the job, in steps: the whole build, and the longest step (the event loop's longest wait). */
export async function benchBatchJob(redemptionCount: number, placeCount: number, progress: (s: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'pn-bench-batch-job-'));
  try {
    const db = freshDb(dir, 'batch-job');
    progress(`lot par travail de fond : ${redemptionCount.toLocaleString('fr-FR')} utilisations chez ${placeCount.toLocaleString('fr-FR')} lieux (insertion)…`);
    seedRedemptions(db, redemptionCount, placeCount, progress);
    db.$client.exec('ANALYZE');
    progress('lot : travail de fond (étapes courtes, une transaction chacune)…');
    const clock = new ManualClock('2026-11-03T09:00:00Z');
    const handler = reimbursementBatchHandler();
    let longest = 0;
    let steps = 0;
    const runner = new JobRunner({ db, clock });
    runner.register({
      kind: handler.kind,
      step: (input) => {
        const stepStart = process.hrtime.bigint();
        const result = handler.step(input);
        longest = Math.max(longest, seconds(stepStart));
        steps++;
        return result;
      },
    });
    const start = process.hrtime.bigint();
    const { batch } = startBatch({ db, clock, actor: null, period: '2026-10', jobThreshold: 0 });
    await runner.runUntilIdle();
    const ours = seconds(start);
    const built = db.$client.prepare('SELECT status, line_count AS lines, payout_count AS payouts FROM reimbursement_batches WHERE id = ?').get(batch.id) as { status: string; lines: number; payouts: number };
    if (built.status !== 'draft' || built.lines !== redemptionCount || built.payouts !== placeCount) throw new Error('lot incomplet');
    db.$client.close();
    return { ours, longestStep: longest, steps };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An approved, funded order with its issued value in the journal, as approval leaves it. */
function seedIssuedOrder(db: Db, passCount: number, codes: PassCodeFactory, clock: ManualClock): OrderRow {
  const c = db.$client;
  c.prepare(`INSERT INTO organisations (id, kind, name, buyer_type, commune_code, status, created_at) VALUES ('buyer', 'buyer', 'Département', 'departement', '31555', 'active', '2026-01-01')`).run();
  // Dates as the original rows had them: submitted on 1 January, approved and funded the next day.
  const order: OrderRow = {
    ...approvedBenchOrder({ id: 'order', reference: 'CMD-BANC-000001', buyerId: 'buyer', bookletCount: passCount / 10, validFrom: '2026-01-01', validUntil: '2026-06-30', territory: null, at: '2026-01-02T00:00:00Z', byUserId: null }),
    submittedAt: '2026-01-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00Z',
  };
  c.prepare(
    `INSERT INTO orders (id, reference, buyer_id, status, booklet_count, passes_per_booklet, face_value_cents, valid_from, valid_until, total_cents, state_share_cents, buyer_share_cents, fee_basis_points, fee_cents, vat_cents, funded_at, submitted_at, approved_at, created_at)
     VALUES (@id, @reference, @buyerId, 'approved', @bookletCount, 10, 1000, @validFrom, @validUntil, @totalCents, 0, @totalCents, 0, 0, 0, @fundedAt, @submittedAt, @approvedAt, @createdAt)`,
  ).run(order);
  const buyer = db.query.organisations.findFirst()!;
  db.transaction((tx) => {
    issueBooklets(db, tx, { order, buyer: buyer as never, codes, now: new Date('2026-01-02T00:00:00Z'), year: '2026' });
    postEntry(tx, clock, {
      kind: 'order_approved',
      refType: 'order',
      refId: order.id,
      label: 'Commande du banc',
      idempotencyKey: 'bench-order',
      lines: [
        { account: 'buyer:buyer:receivable', debitCents: order.totalCents },
        { account: 'passes:outstanding', creditCents: order.totalCents },
      ],
    });
  });
  return order;
}

export function benchExpiry(passCount: number, codes: PassCodeFactory, progress: (s: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'pn-bench-expiry-'));
  try {
    const clock = new ManualClock('2026-01-02T00:00:00Z');
    progress(`fin de validité : commande de ${passCount.toLocaleString('fr-FR')} pass (émission)…`);
    const db = freshDb(dir, 'expiry');
    const order = seedIssuedOrder(db, passCount, codes, clock);
    const bare = freshDb(dir, 'expiry-bare');
    seedIssuedOrder(bare, passCount, codes, clock);
    clock.set('2026-09-01T00:00:00Z');
    progress('fin de validité : expireOrder (pass expirés, avoir, liens pass→avoir, écriture)…');
    const start = process.hrtime.bigint();
    const { expiredPassCount } = expireOrder({ db, clock, actor: null, orderId: order.id, gracePeriodDays: 31 });
    const ours = seconds(start);
    if (expiredPassCount !== passCount) throw new Error('expiration incomplète');
    progress('référence : UPDATE passes SET status = expired, nu…');
    const bareStart = process.hrtime.bigint();
    bare.$client.prepare(`UPDATE passes SET status = 'expired' WHERE order_id = 'order' AND status IN ('issued', 'active', 'blocked')`).run();
    const baseline = seconds(bareStart);
    db.$client.close();
    bare.$client.close();
    return { ours, baseline };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A row of the bench's table: what, our figure, the baseline's, and our speed as a fraction of the baseline's. */
export interface BenchRow {
  what: string;
  ours: string;
  baseline: string;
  ratio: number;
}

const fr = (n: number) => n.toLocaleString('fr-FR');

/** The batch of `redemptionCount` redemptions over 2 000 places, in one transaction then as its job (BENCH_ONLY=batch). */
export async function batchRows(redemptionCount: number, progress: (s: string) => void): Promise<BenchRow[]> {
  const batch = benchBatch(redemptionCount, 2_000, progress);
  console.log(`   lot ${batch.ours.toFixed(2)} s (${batch.payouts} virements) ; GROUP BY nu ${batch.baseline.toFixed(2)} s`);
  const job = await benchBatchJob(redemptionCount, 2_000, progress);
  console.log(`   lot par travail ${job.ours.toFixed(2)} s en ${job.steps} étapes, la plus longue ${(job.longestStep * 1000).toFixed(0)} ms`);
  return [
    { what: `Lot de remboursement, ${fr(redemptionCount)} utilisations`, ours: `${batch.ours.toFixed(2)} s`, baseline: `${batch.baseline.toFixed(2)} s (GROUP BY nu)`, ratio: batch.baseline / batch.ours },
    { what: '  le même lot par travail de fond', ours: `${job.ours.toFixed(2)} s`, baseline: `${batch.ours.toFixed(2)} s (une transaction)`, ratio: batch.ours / job.ours },
    { what: '  étape la plus longue du travail', ours: `${(job.longestStep * 1000).toFixed(0)} ms`, baseline: `${(batch.ours * 1000).toFixed(0)} ms (une transaction)`, ratio: batch.ours / job.longestStep },
  ];
}

export function expiryRow(passCount: number, codes: PassCodeFactory, progress: (s: string) => void): BenchRow {
  const expiry = benchExpiry(passCount, codes, progress);
  console.log(`   fin de validité ${expiry.ours.toFixed(2)} s ; UPDATE nu ${expiry.baseline.toFixed(2)} s`);
  return { what: `Fin de validité, ${fr(passCount)} pass`, ours: `${expiry.ours.toFixed(2)} s`, baseline: `${expiry.baseline.toFixed(2)} s (UPDATE nu)`, ratio: expiry.baseline / expiry.ours };
}
