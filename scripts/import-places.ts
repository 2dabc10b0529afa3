/**
 * Loads places from a national open-data file into the configured database:
 *
 *   npm run import-places -- lieux.csv [--format=mednum|data-inclusion]
 *
 * Same use case as POST /api/v1/places/import, run as its job (rows in short transactions, progress
 * bar on a terminal, plain lines otherwise): idempotent, imported places stay
 * `applied` until an operator reviews them. Prints the created/updated/rejected counts and the
 * reason of every rejected row. Exit code 1 when the file cannot be read or recognised.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { migrateDatabase, openDatabase } from '../db/client.ts';
import { loadConfigOrExit } from '../server/config.ts';
import { type ImportFormat } from '../server/modules/places/places.import.ts';
import { describeImport, placesImportHandler, startPlacesImport } from '../server/modules/places/places.import-job.ts';
import { JobRunner } from '../server/modules/jobs/jobs.runner.ts';
import { jobs } from '../db/schema/jobs.ts';
import type { Db } from '../db/client.ts';
import { eq } from 'drizzle-orm';
import { progressFor } from './progress.ts';
import type { ImportReport } from '../server/modules/places/places.schemas.ts';
import { systemClock } from '../server/shared/clock.ts';
import { DomainError } from '../server/shared/problem.ts';

export function describeReport(report: ImportReport): string {
  const lines = [
    `Format : ${report.format === 'mednum' ? 'schéma des lieux de médiation numérique' : 'data·inclusion'}`,
    `${describeImport(report)}.`,
  ];
  const flagged = report.rows.filter((r) => r.acceptsPassNumerique && r.result !== 'rejected').length;
  if (flagged > 0) lines.push(`${flagged} lieu(x) signalé(s) « pass-numerique » dans le fichier : à examiner en priorité.`);
  for (const row of report.rows) {
    if (row.result === 'rejected') lines.push(`  ligne ${row.line} (${row.id ?? 'sans id'}) rejetée : ${row.reasons.join(' ; ')}`);
    else if (row.reasons.length > 0) lines.push(`  ligne ${row.line} (${row.id}) : ${row.reasons.join(' ; ')}`);
  }
  return lines.join('\n');
}

function jobProgress(db: Db, jobId: string) {
  const row = db.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
  return { done: row.progressDone, status: row.status, error: row.error, result: row.result };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const formatArg = args.find((a) => a.startsWith('--format='))?.slice('--format='.length);
  if (!file || (formatArg !== undefined && formatArg !== 'mednum' && formatArg !== 'data-inclusion')) {
    console.error('Usage : npm run import-places -- <fichier.csv|fichier.json> [--format=mednum|data-inclusion]');
    process.exit(1);
  }
  const config = loadConfigOrExit(1);
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`Fichier illisible : ${file} (${(error as Error).message})`);
    process.exit(1);
  }
  const db = openDatabase(config.databasePath);
  try {
    migrateDatabase(db);
    // The service's own import job, run here: rows in short transactions (a running service keeps
    // answering), a progress bar on a terminal, and the same report as the import in one go.
    const { jobId, rows } = startPlacesImport({ db, clock: systemClock, actor: null, content, format: formatArg as ImportFormat | undefined });
    const runner = new JobRunner({ db, clock: systemClock });
    runner.register(placesImportHandler());
    const progress = progressFor('Import des lieux', rows);
    const ticker = setInterval(() => progress.update(jobProgress(db, jobId).done), 200);
    await runner.runUntilIdle();
    clearInterval(ticker);
    const job = jobProgress(db, jobId);
    progress.update(job.done);
    progress.stop();
    if (job.status !== 'done') throw new DomainError(500, 'import_failed', `Import interrompu : ${job.error ?? job.status}`);
    console.log(describeReport(job.result as unknown as ImportReport));
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    db.$client.close();
  }
}
