import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { startBatch } from '../../server/modules/finance/reimbursement.service.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { secrets } from '../helpers/backups.ts';
import { killMidJobThenResume } from '../helpers/processes.ts';

// Child processes start slowly on a loaded machine: a watchdog, not a timing assertion.
t.setTimeout(600_000);

const PLACES = 400;
const REDEMPTIONS = 80_000;

t.test('a service killed (kill -9) in the middle of a batch job leaves whole steps only, nothing approvable, and the batch completes after a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-batch-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
  const databasePath = join(dataDir, 'passnum.sqlite');
  const db = openDatabase(databasePath);
  migrateDatabase(db);
  // October's redemptions of places with validated bank details, as raw rows: the job reads no more.
  const c = db.$client;
  c.pragma('foreign_keys = OFF');
  c.transaction(() => {
    for (let p = 0; p < PLACES; p++) {
      c.prepare(`INSERT INTO organisations (id, kind, name, status, created_at) VALUES (?, 'place', ?, 'active', '2026-01-01')`).run(`place-${p}`, `Lieu ${p}`);
      c.prepare(`INSERT INTO places (organisation_id, status, source, created_at, updated_at) VALUES (?, 'labelled', 'application', '2026-01-01', '2026-01-01')`).run(`place-${p}`);
      c.prepare(`INSERT INTO place_bank_accounts (id, place_id, holder, iban, bic, status, submitted_at) VALUES (?, ?, ?, 'FR7630006000011234567890189', 'AGRIFRPP', 'validated', '2026-01-01')`).run(`bank-${p}`, `place-${p}`, `Lieu ${p}`);
    }
    const redemption = c.prepare(`INSERT INTO redemptions (id, pass_id, place_id, site_id, amount_cents, redeemed_at, period, status, journal_entry_id) VALUES (?, ?, ?, 'site', 1000, '2026-10-15T10:00:00Z', '2026-10', 'live', 'entry')`);
    for (let i = 0; i < REDEMPTIONS; i++) redemption.run(`r-${i}`, i + 1, `place-${i % PLACES}`);
  })();
  c.pragma('foreign_keys = ON');
  const { jobId, batch } = startBatch({ db, clock: new ManualClock('2026-11-03T09:00:00Z'), actor: null, period: '2026-10', jobThreshold: 0 });
  t.ok(jobId, 'queued as a job');
  c.close();

  const reader = new Database(databasePath, { readonly: true });
  t.teardown(() => reader.close());
  const one = <T>(query: string, ...params: unknown[]) => reader.prepare(query).get(...params) as T;
  const progress = () => one<{ status: string; done: number; attempts: number }>('SELECT status, progress_done AS done, attempts FROM jobs WHERE id = ?', jobId);
  const state = () => ({
    batch: one<{ status: string; total_cents: number; payout_count: number; line_count: number }>('SELECT status, total_cents, payout_count, line_count FROM reimbursement_batches WHERE id = ?', batch.id),
    lines: one<{ n: number }>('SELECT count(*) AS n FROM reimbursement_lines').n,
    taken: one<{ n: number }>('SELECT count(*) AS n FROM redemptions WHERE batched_at IS NOT NULL').n,
    payouts: one<{ n: number; total: number | null; lines: number | null }>('SELECT count(*) AS n, sum(amount_cents) AS total, sum(line_count) AS lines FROM payouts WHERE batch_id = ?', batch.id),
    links: one<{ n: number }>('SELECT count(*) AS n FROM payout_lines WHERE active = 1').n,
    payoutsUnlike: one<{ n: number }>(`SELECT count(*) AS n FROM payouts p WHERE p.amount_cents != (
        SELECT coalesce(sum(l.amount_cents), 0) FROM payout_lines pl JOIN reimbursement_lines l ON l.id = pl.line_id WHERE pl.payout_id = p.id AND pl.active = 1)`).n,
  });

  const end = await killMidJobThenResume(t, {
    dataDir,
    port: 3014,
    progress,
    atKill: (atKill) => {
      const s = state();
      t.ok(atKill.status !== 'done', `killed mid-way (${atKill.done} of ${REDEMPTIONS} redemptions)`);
      t.equal(s.batch.status, 'building', 'the half-built batch is building: nothing can approve it');
      t.equal(s.lines, s.taken, 'every redemption taken has its line, every line its redemption: no step half-written');
      t.equal(s.lines, atKill.done, 'the progress recorded is what is on disk');
      t.match(s.batch, { total_cents: s.payouts.total ?? 0, payout_count: s.payouts.n, line_count: s.payouts.lines ?? 0 }, 'the batch equals its payouts so far');
      t.equal(s.payoutsUnlike, 0, 'each payout equals its lines');
    },
  });
  t.match(end, { status: 'done', done: REDEMPTIONS });
  t.ok(end.attempts >= 2, `resumed by the second process (attempt ${end.attempts})`);
  const s = state();
  t.match(s.batch, { status: 'draft', total_cents: REDEMPTIONS * 1000, payout_count: PLACES, line_count: REDEMPTIONS }, 'the whole month, once');
  t.equal(s.lines, REDEMPTIONS, 'no redemption lined twice or lost');
  t.equal(s.links, REDEMPTIONS, 'each line in exactly one payout');
  t.equal(s.payoutsUnlike, 0);
});
