import { spawn } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { expireOrder, ordersDueForExpiry } from '../finance/expiry.service.ts';
import { purgeIdempotencyKeys } from '../../shared/idempotency-keys.ts';
import { purgeDownloadedFiles } from '../jobs/job-files.repository.ts';
import type { ScheduledTask } from '../jobs/scheduler.ts';
import { countOf } from '../../shared/plural.ts';
import { purgeExpiredInvitations, purgeExpiredSessions, purgeScheduledRunsStartedBefore } from './operations.repository.ts';

/** The tasks the service runs by itself (the scripts stay for manual runs). */
export function builtInTasks(app: FastifyInstance): ScheduledTask[] {
  const { db, clock, config } = app;
  const tasks: ScheduledTask[] = [
    {
      name: 'expiry',
      cron: '30 2 * * *',
      // One order per transaction, a turn of the event loop between orders (see expiry.service.ts).
      async run() {
        const due = ordersDueForExpiry(db, clock, config.gracePeriodDays);
        let passes = 0;
        for (const order of due) {
          passes += expireOrder({ db, clock, actor: null, orderId: order.id, gracePeriodDays: config.gracePeriodDays }).expiredPassCount;
          await nextTurn();
        }
        return `${countOf(due.length, 'commande')} en fin de validité, ${countOf(passes, 'pass expiré', 'pass expirés')}`;
      },
    },
    {
      name: 'purges',
      cron: '15 * * * *',
      run() {
        const now = clock.now().toISOString();
        const keys = purgeIdempotencyKeys(db, clock.now());
        const sessions = purgeExpiredSessions(db, now);
        const invitations = purgeExpiredInvitations(db, now);
        // The outbox task runs every minute: its log is kept a week (the lease rows say what is due, not this log).
        const weekAgo = new Date(clock.now().getTime() - 7 * 86_400_000).toISOString();
        const runs = purgeScheduledRunsStartedBefore(db, weekAgo);
        // A job's file (FEC, print file) is kept until downloaded, then one more day for a retried download.
        const files = purgeDownloadedFiles(db, new Date(clock.now().getTime() - 24 * 3600_000));
        return [
          countOf(keys, 'clé d’idempotence', 'clés d’idempotence'),
          countOf(sessions, 'session expirée', 'sessions expirées'),
          countOf(invitations, 'invitation expirée', 'invitations expirées'),
          countOf(runs, 'exécution de tâche de plus d’une semaine', 'exécutions de tâches de plus d’une semaine'),
          countOf(files, 'fichier téléchargé', 'fichiers téléchargés'),
        ].join(', ') + ' : supprimés';
      },
    },
  ];
  if (config.backupDir) {
    const dir = config.backupDir;
    tasks.push({ name: 'backup', cron: '0 3 * * *', run: () => backupInChildProcess(dir) });
  }
  return tasks;
}

const BACKUP_SCRIPT = fileURLToPath(new URL('../../../scripts/backup.ts', import.meta.url));

/**
 * The nightly backup runs `npm run backup`'s script in a child process: VACUUM INTO and the checks on
 * the copy take seconds on a large database, and must not hold this process's event loop.
 */
function backupInChildProcess(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BACKUP_SCRIPT, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const summary = output.trim().split('\n')[0] ?? '';
      if (code === 0) resolve(summary);
      else reject(new Error(output.trim() || `la sauvegarde s’est arrêtée avec le code ${code}`));
    });
  });
}
