/**
 * Builds the reimbursement batch of a closed month (default: last month), as finance would from the
 * batches page. Building twice is a no-op.
 *   npm run reimburse -- 2026-10
 *
 * Same use case as POST /api/v1/reimbursement-batches: below BATCH_JOB_THRESHOLD redemptions the
 * batch is built in one transaction; above, by its job, run here in short steps (a running service
 * keeps answering) with a progress bar on a terminal and plain lines otherwise. A batch already
 * being built by a service is followed until it is ready.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { migrateDatabase, openDatabase, type Db } from '../db/client.ts';
import { jobs } from '../db/schema/jobs.ts';
import { loadConfigOrExit } from '../server/config.ts';
import { JobRunner } from '../server/modules/jobs/jobs.runner.ts';
import { reimbursementBatchHandler } from '../server/modules/finance/reimbursement-batch.job.ts';
import { DEFAULT_BATCH_JOB_THRESHOLD, startBatch, waitingPlaces } from '../server/modules/finance/reimbursement.service.ts';
import { batchOfPeriod } from '../server/modules/finance/reimbursement.repository.ts';
import { systemClock } from '../server/shared/clock.ts';
import { formatEuros } from '../server/shared/money.ts';
import { countOf } from '../server/shared/plural.ts';
import { parisMonth } from '../server/shared/paris-time.ts';
import { DomainError } from '../server/shared/problem.ts';
import { progressFor } from './progress.ts';

const argument = process.argv[2];
const lastMonth = () => {
  const [y, m] = parisMonth(systemClock.now()).split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};
const period = argument ?? lastMonth();
if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) {
  console.error(`Mois invalide : « ${period} ». Format attendu : AAAA-MM, par exemple 2026-10.`);
  process.exit(2);
}

const jobRow = (db: Db, jobId: string) => db.select().from(jobs).where(eq(jobs.id, jobId)).get()!;

/** Runs the batch's job here (or follows it, when a service holds it) with a progress bar, until it ends. */
async function runJob(db: Db, jobId: string): Promise<void> {
  const runner = new JobRunner({ db, clock: systemClock });
  runner.register(reimbursementBatchHandler());
  const progress = progressFor('Préparation du lot', jobRow(db, jobId).progressTotal);
  const tick = () => {
    const job = jobRow(db, jobId);
    progress.update(job.progressDone, job.progressTotal);
    return job;
  };
  const ticker = setInterval(tick, 200);
  try {
    await runner.runUntilIdle();
    // Held by a service process: follow it from the database.
    while (['queued', 'running'].includes(tick().status)) {
      await sleep(500);
      await runner.runUntilIdle();
    }
  } finally {
    clearInterval(ticker);
    tick();
    progress.stop();
  }
  const job = jobRow(db, jobId);
  if (job.status !== 'done') throw new DomainError(500, 'batch_job_failed', `Préparation du lot interrompue : ${job.error ?? job.status}`);
}

const config = loadConfigOrExit();
const db = openDatabase(config.databasePath);
migrateDatabase(db);
console.log(`Préparation du lot de remboursement de ${period}…`);
try {
  const started = Date.now();
  const start = startBatch({ db, clock: systemClock, actor: null, period, jobThreshold: config.batchJobThreshold ?? DEFAULT_BATCH_JOB_THRESHOLD });
  if (start.jobId) {
    console.log(start.created ? `Lot en préparation par étapes (travail ${start.jobId}).` : `Lot déjà en préparation (travail ${start.jobId}) : suivi jusqu’à la fin.`);
    await runJob(db, start.jobId);
  }
  const batch = batchOfPeriod(db, period)!;
  const verb = start.created || start.jobId ? 'Lot créé' : 'Le lot existait déjà';
  console.log(`${verb} : ${countOf(batch.payoutCount, 'virement')}, ${countOf(batch.lineCount, 'pass', 'pass')}, ${formatEuros(batch.totalCents)} (${Date.now() - started} ms).`);
  for (const w of waitingPlaces(db, period)) console.log(`  en attente (coordonnées bancaires non validées) : ${w.name} — ${countOf(w.n, 'pass', 'pass')}, ${formatEuros(w.total)}`);
  console.log('À approuver par les finances sur la page « Remboursements ».');
} catch (error) {
  if (error instanceof DomainError) {
    console.error(error.message);
    process.exitCode = 1;
  } else throw error;
} finally {
  db.$client.close();
}
