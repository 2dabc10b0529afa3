/**
 * A consistent, checked copy of the live database and its secrets, while the service runs:
 *   npm run backup -- [dossier]     (default: BACKUP_DIR)
 * writes <dossier>/passnum-YYYYMMDD-HHMMSS.sqlite (UTC) and passnum-YYYYMMDD-HHMMSS.secrets.json,
 * keeps the newest BACKUP_KEEP (14), exits 0; non-zero with a message when anything fails.
 */
import { resolve } from 'node:path';
import { loadConfigOrExit } from '../server/config.ts';
import { BACKUP_STEPS, BackupError, createBackup } from '../server/modules/operations/backup.ts';
import { progressFor } from './progress.ts';
import { systemClock } from '../server/shared/clock.ts';

const config = loadConfigOrExit(2);
const target = process.argv[2] ?? config.backupDir;
if (!target) {
  console.error('Indiquez le dossier des sauvegardes : npm run backup -- /chemin/du/dossier (ou la variable BACKUP_DIR).');
  process.exit(2);
}
// Copy, checks on the copy, secrets, pruning: a bar on a terminal, a line per step otherwise.
const progress = progressFor('Sauvegarde', BACKUP_STEPS);
try {
  const result = createBackup({
    databasePath: config.databasePath,
    dir: resolve(target),
    secrets: { sessionSecret: config.sessionSecret, passCodeSecret: config.passCodeSecret },
    keep: config.backupKeep ?? 14,
    clock: systemClock,
    onStep: (done) => progress.update(done),
  });
  progress.stop();
  console.log(`Sauvegarde écrite : ${result.file} (${Math.round(result.bytes / 1024)} Kio)`);
  console.log(`Secrets écrits à côté : ${result.secretsFile} (droits 0600, à protéger comme la base)`);
  console.log(`Contrôles sur la copie : intégrité SQLite correcte, journal chaîné et équilibré (${result.ledgerEntries} écritures).`);
  for (const removed of result.removed) console.log(`Ancienne sauvegarde supprimée (BACKUP_KEEP=${config.backupKeep}) : ${removed}`);
} catch (error) {
  progress.stop();
  const message = error instanceof BackupError ? error.message : `Échec de la sauvegarde : ${(error as Error).message}`;
  console.error(message);
  process.exit(1);
}
