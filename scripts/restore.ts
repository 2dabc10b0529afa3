/**
 * Puts a backup made by `npm run backup` in place of the configured database:
 *   npm run restore -- /chemin/passnum-YYYYMMDD-HHMMSS.sqlite
 * Refuses while a service uses the database, when the backup's secrets are missing or differ from
 * the configured ones, and when the backup fails its checks. Prints every step it took.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigOrExit } from '../server/config.ts';
import { BackupError } from '../server/modules/operations/backup.ts';
import { restoreBackup } from '../server/modules/operations/restore.ts';

const file = process.argv[2];
if (!file) {
  console.error('Indiquez la sauvegarde à restaurer : npm run restore -- /chemin/passnum-AAAAMMJJ-HHMMSS.sqlite');
  process.exit(2);
}
// Read before loadConfig, which would otherwise generate fresh secrets on a machine that has none.
const dataDir = resolve(process.env.DATA_DIR || './data');
const secretsConfigured = (process.env.SESSION_SECRET && process.env.PASS_CODE_SECRET) || existsSync(join(dataDir, 'secrets.json'));
const config = secretsConfigured ? loadConfigOrExit(2) : undefined;
try {
  const steps = restoreBackup({
    backupFile: resolve(file),
    databasePath: config?.databasePath ?? resolve(process.env.DATABASE_PATH || join(dataDir, 'passnum.sqlite')),
    dataDir,
    configuredSecrets: config ? { sessionSecret: config.sessionSecret, passCodeSecret: config.passCodeSecret } : undefined,
    now: new Date(),
  });
  for (const step of steps) console.log(step);
} catch (error) {
  const message = error instanceof BackupError ? error.message : `Échec de la restauration : ${(error as Error).message}`;
  console.error(message);
  process.exit(1);
}
