import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyDatabaseInto, inspectDatabaseFile } from '../../../db/files.ts';
import { trialBalance, verifyBalances, verifyChain } from '../finance/ledger.ts';
import type { Clock } from '../../shared/clock.ts';
import { countOf, plural } from '../../shared/plural.ts';

/**
 * Online backups of the live database.
 *
 * Copying the file while the service writes gives torn copies (pages from two different commits):
 * `VACUUM INTO` instead reads the database inside one read transaction, which in WAL mode sees one
 * committed state and never blocks the writers, and writes a compact, self-contained file (no -wal).
 * The copy is then checked on its own (integrity_check, journal chain, trial balance, account
 * balances) before it gets its final name, so a file named passnum-….sqlite is always a good one.
 * The secrets go beside it: without PASS_CODE_SECRET, every printed pass code of the copy is void.
 */

export const BACKUP_NAME = /^passnum-(\d{8})-(\d{6})\.sqlite$/;

export interface BackupSecrets {
  sessionSecret: string;
  passCodeSecret: string;
}

export interface BackupResult {
  file: string;
  secretsFile: string;
  bytes: number;
  ledgerEntries: number;
  removed: string[];
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** passnum-YYYYMMDD-HHMMSS in UTC: names sort in time order, and no daylight-saving hour repeats. */
export function backupBaseName(at: Date): string {
  const iso = at.toISOString();
  return `passnum-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

/** The secrets file that goes with a backup file: passnum-….sqlite → passnum-….secrets.json. */
export function secretsFileFor(backupFile: string): string {
  return backupFile.replace(/\.sqlite$/, '') + '.secrets.json';
}

export interface CopyVerdict {
  ok: boolean;
  problems: string[];
  ledgerEntries: number;
}

/** Checks a database file on its own connection: SQLite's integrity check and the journal's chain and balances. */
export function checkDatabaseFile(file: string): CopyVerdict {
  const { integrity, result } = inspectDatabaseFile(file, (db) => {
    const problems: string[] = [];
    const chain = verifyChain(db);
    if (!chain.ok) problems.push(`chaînage du journal rompu à l’écriture n° ${chain.brokenAtSeq} (${chain.reason})`);
    if (!trialBalance(db).balanced) problems.push('balance du journal déséquilibrée');
    const balances = verifyBalances(db);
    if (!balances.ok) problems.push(`${countOf(balances.mismatches.length, 'solde de compte', 'soldes de compte')} ${plural(balances.mismatches.length, 'ne correspond pas à ses lignes', 'ne correspondent pas à leurs lignes')}`);
    return { ok: problems.length === 0, problems, ledgerEntries: chain.ok ? chain.entries : 0 };
  });
  if (!result) return { ok: false, problems: [`intégrité SQLite : ${integrity.slice(0, 5).join(' ; ')}`], ledgerEntries: 0 };
  return result;
}

/**
 * Makes one checked backup of the database at `databasePath` into `dir` and keeps the newest `keep`.
 * Nothing is left under a final name unless the copy passed every check.
 */
/** The steps of a backup, for a progress bar in `npm run backup` (copy, checks, secrets, pruning). */
export const BACKUP_STEPS = 4;

export function createBackup(input: { databasePath: string; dir: string; secrets: BackupSecrets; keep: number; clock: Clock; onStep?: (done: number) => void }): BackupResult {
  const { databasePath, dir, secrets, keep, clock, onStep } = input;
  if (!existsSync(databasePath)) throw new BackupError(`La base ${databasePath} n’existe pas : rien à sauvegarder.`);
  mkdirSync(dir, { recursive: true });
  const base = backupBaseName(clock.now());
  const file = join(dir, `${base}.sqlite`);
  const secretsFile = secretsFileFor(file);
  if (existsSync(file)) throw new BackupError(`Une sauvegarde ${file} existe déjà pour cette seconde : relancez dans un instant.`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  copyDatabaseInto(databasePath, partial);
  onStep?.(1);
  const verdict = checkDatabaseFile(partial);
  onStep?.(2);
  if (!verdict.ok) {
    rmSync(partial, { force: true });
    throw new BackupError(`La copie de ${databasePath} ne passe pas les contrôles : ${verdict.problems.join(' ; ')}. Aucune sauvegarde n’a été gardée.`);
  }
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(secretsFile, 0o600);
  renameSync(partial, file);
  chmodSync(file, 0o600);
  onStep?.(3);
  const removed = pruneBackups(dir, keep);
  onStep?.(4);
  return { file, secretsFile, bytes: statSync(file).size, ledgerEntries: verdict.ledgerEntries, removed };
}

/** Deletes all but the newest `keep` backups (and their secrets) of `dir`; returns the files removed. */
export function pruneBackups(dir: string, keep: number): string[] {
  const backups = readdirSync(dir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
    .reverse();
  const removed: string[] = [];
  for (const name of backups.slice(Math.max(keep, 1))) {
    const file = join(dir, name);
    rmSync(file, { force: true });
    rmSync(secretsFileFor(file), { force: true });
    removed.push(file);
  }
  return removed;
}
