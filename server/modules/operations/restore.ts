import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { BackupError, checkDatabaseFile, secretsFileFor, type BackupSecrets } from './backup.ts';
import { liveInstances } from './instances.ts';
import { countOf } from '../../shared/plural.ts';

/**
 * Puts a backup in place of the configured database, refusing whatever would lose data or void
 * printed pass codes: a service still using the database, a backup without its secrets, secrets
 * that differ from the configured ones, a backup that fails its checks. Returns what it did, step
 * by step, for the operator to read.
 */
const secretsFileSchema = z.object({ sessionSecret: z.string().min(32).max(512), passCodeSecret: z.string().min(32).max(512) });

export interface RestoreInput {
  backupFile: string;
  databasePath: string;
  dataDir: string;
  /** The secrets the service will run with (environment or DATA_DIR/secrets.json); undefined when none exist yet. */
  configuredSecrets: BackupSecrets | undefined;
  now: Date;
}

function readSecrets(file: string): BackupSecrets {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new BackupError(`Le fichier de secrets ${file} est illisible.`);
  }
  const parsed = secretsFileSchema.safeParse(raw);
  if (!parsed.success) throw new BackupError(`Le fichier de secrets ${file} est incomplet (sessionSecret et passCodeSecret attendus).`);
  return parsed.data;
}

const DATABASE_COMPANIONS = ['', '-wal', '-shm'];

export function restoreBackup(input: RestoreInput): string[] {
  const { backupFile, databasePath, dataDir, configuredSecrets, now } = input;
  const done: string[] = [];
  if (!existsSync(backupFile)) throw new BackupError(`La sauvegarde ${backupFile} n’existe pas.`);
  const secretsFile = secretsFileFor(backupFile);
  if (!existsSync(secretsFile)) {
    throw new BackupError(
      `Les secrets de cette sauvegarde manquent (${secretsFile}). Sans eux, aucun code de pass imprimé ne serait reconnu : restauration refusée.`,
    );
  }
  const backupSecrets = readSecrets(secretsFile);
  if (configuredSecrets) {
    const differing = (['passCodeSecret', 'sessionSecret'] as const).filter((key) => configuredSecrets[key] !== backupSecrets[key]);
    if (differing.length > 0) {
      throw new BackupError(
        `Les secrets configurés (${differing.join(', ')}) diffèrent de ceux de la sauvegarde (${secretsFile}) : les codes de pass imprimés ne seraient plus reconnus. ` +
          'Configurez les secrets de la sauvegarde (variables SESSION_SECRET et PASS_CODE_SECRET, ou DATA_DIR/secrets.json) puis relancez : restauration refusée.',
      );
    }
  }
  const verdict = checkDatabaseFile(backupFile);
  if (!verdict.ok) throw new BackupError(`La sauvegarde ${backupFile} ne passe pas les contrôles : ${verdict.problems.join(' ; ')}. Restauration refusée.`);
  done.push(`Sauvegarde vérifiée : intégrité SQLite correcte, journal chaîné et équilibré (${countOf(verdict.ledgerEntries, 'écriture')}).`);

  if (existsSync(databasePath)) {
    const current = new Database(databasePath, { readonly: true, fileMustExist: true });
    let live;
    try {
      live = liveInstances(current, now);
    } finally {
      current.close();
    }
    if (live.length > 0) {
      const who = live.map((i) => `processus ${i.pid} sur ${i.host}, vu à ${i.seenAt}`).join(' ; ');
      throw new BackupError(`Un service utilise encore ${databasePath} (${who}). Arrêtez-le puis relancez la restauration : restauration refusée.`);
    }
    const aside = `${databasePath}.avant-restauration-${now.toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of DATABASE_COMPANIONS) {
      if (existsSync(databasePath + suffix)) renameSync(databasePath + suffix, aside + suffix);
    }
    done.push(`Base en place mise de côté : ${aside} (à supprimer quand la restauration est confirmée).`);
  } else {
    mkdirSync(dirname(databasePath), { recursive: true });
  }
  const incoming = `${databasePath}.restauration`;
  copyFileSync(backupFile, incoming);
  chmodSync(incoming, 0o600);
  renameSync(incoming, databasePath);
  rmSync(`${databasePath}-wal`, { force: true });
  rmSync(`${databasePath}-shm`, { force: true });
  done.push(`Sauvegarde ${backupFile} copiée en ${databasePath}.`);
  if (configuredSecrets) {
    done.push('Secrets : ceux configurés sont identiques à ceux de la sauvegarde, rien à changer.');
  } else {
    const target = join(dataDir, 'secrets.json');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(target, JSON.stringify(backupSecrets, null, 2), { mode: 0o600 });
    chmodSync(target, 0o600);
    done.push(`Secrets de la sauvegarde installés dans ${target} (droits 0600).`);
  }
  done.push('Démarrez le service, puis lancez npm run ledger:verify pour confirmer.');
  return done;
}
