import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { runTs, runTsToEnd } from '../helpers/processes.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';

// Child processes start slowly on a loaded machine: a watchdog, not a timing assertion.
t.setTimeout(600_000);

const baseEnv = { PORT: '3012', HOST: '127.0.0.1', JOBS: 'false', SESSION_SECRET: '', PASS_CODE_SECRET: '', DATABASE_PATH: '', BOOTSTRAP_ADMIN_EMAIL: '', BOOTSTRAP_ADMIN_PASSWORD: '' };

t.test('on an empty database, BOOTSTRAP_ADMIN_EMAIL and DEMO_DATA=true load both the demo set and the administrator', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-start-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const service = runTs('server/main.ts', [], {
    ...baseEnv,
    DATA_DIR: dataDir,
    DEMO_DATA: 'true',
    BOOTSTRAP_ADMIN_EMAIL: 'exploitation@operateur.test',
    BOOTSTRAP_ADMIN_PASSWORD: 'un mot de passe long et solide',
  });
  t.teardown(() => {
    service.process.kill('SIGKILL');
  });
  await service.waitFor(/est prêt/);
  t.match(service.output(), /Jeu de démonstration chargé/);
  t.match(service.output(), /Administrateur de l’opérateur créé : exploitation@operateur\.test/);
  service.process.kill('SIGTERM');
  t.equal(await service.exited, 0);
});

t.test('a database on a read-only file system stops the service with a French message naming it, without a stack trace', async (t) => {
  const mountPoint = mountTmpfs(t, 'pn-ro-', '8m');
  if (!mountPoint) return;
  const db = openDatabase(join(mountPoint, 'passnum.sqlite'));
  migrateDatabase(db);
  db.$client.close();
  execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
  const run = await runTsToEnd('server/main.ts', [], { ...baseEnv, DATA_DIR: mountPoint, DEMO_DATA: 'false', SESSION_SECRET: 's'.repeat(40), PASS_CODE_SECRET: 'p'.repeat(40) });
  t.equal(run.code, 1, run.output);
  t.match(run.output, new RegExp(`La base ${mountPoint}/passnum\\.sqlite .*est en lecture seule`));
  t.notMatch(run.output, /\n\s+at /, 'no stack trace');
});
