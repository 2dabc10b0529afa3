import t from 'tap';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { createBackup } from '../../server/modules/operations/backup.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { formatPassCode } from '../../server/modules/booklets/pass-code.ts';
import { loginAs, TEST_NOW } from '../helpers/app.ts';
import { secrets, serviceData, tempDir } from '../helpers/backups.ts';
import { runTs, runTsToEnd } from '../helpers/processes.ts';

// Child processes start slowly on a loaded machine: a watchdog, not a timing assertion.
t.setTimeout(600_000);

t.test('a backup restored elsewhere starts, verifies, and a pass code printed before the backup redeems once', async (t) => {
  const source = tempDir(t, 'restore-src');
  const { db, databasePath, codes, place } = await serviceData(source);
  const backup = createBackup({ databasePath, dir: join(source, 'backups'), secrets, keep: 14, clock: new ManualClock(TEST_NOW) });
  db.$client.close();

  const elsewhere = tempDir(t, 'restore-dst');
  const restored = await runTsToEnd('scripts/restore.ts', [backup.file], { DATA_DIR: elsewhere, SESSION_SECRET: '', PASS_CODE_SECRET: '', DATABASE_PATH: '' });
  t.equal(restored.code, 0, restored.output);
  t.match(restored.output, /Sauvegarde vérifiée/);
  t.match(restored.output, /Secrets de la sauvegarde installés dans .*secrets\.json/);
  const verify = await runTsToEnd('scripts/ledger-verify.ts', [], { DATA_DIR: elsewhere });
  t.equal(verify.code, 0, 'npm run ledger:verify passes on the restored database');

  const config = { ...loadConfig({ DATA_DIR: elsewhere }), logLevel: 'silent' as const };
  t.equal(config.passCodeSecret, secrets.passCodeSecret, 'the service runs with the secrets of the backup');
  const restoredDb = openDatabase(config.databasePath);
  migrateDatabase(restoredDb);
  const app = await buildApp({ config, db: restoredDb, clock: new ManualClock(TEST_NOW), logger: false });
  t.teardown(async () => {
    await app.close();
    restoredDb.$client.close();
  });
  const agent = await loginAs(app, place.agent);
  const redeem = () => agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: formatPassCode(codes[0]!), service: 'Maîtrise des outils numériques du quotidien' } });
  t.equal((await redeem()).statusCode, 201, 'the code printed before the backup redeems');
  const again = await redeem();
  t.equal(again.statusCode, 409, 'and only once');
});

t.test('restore refuses a backup whose secrets are missing or differ from the configured ones, and changes nothing', async (t) => {
  const source = tempDir(t, 'restore-refuse');
  const { db, databasePath } = await serviceData(source);
  const backup = createBackup({ databasePath, dir: join(source, 'backups'), secrets, keep: 14, clock: new ManualClock(TEST_NOW) });
  db.$client.close();

  const target = tempDir(t, 'restore-target');
  writeFileSync(join(target, 'secrets.json'), JSON.stringify({ sessionSecret: 'x'.repeat(40), passCodeSecret: 'y'.repeat(40) }));
  const differ = await runTsToEnd('scripts/restore.ts', [backup.file], { DATA_DIR: target, SESSION_SECRET: '', PASS_CODE_SECRET: '', DATABASE_PATH: '' });
  t.equal(differ.code, 1);
  t.match(differ.output, /passCodeSecret, sessionSecret\) diffèrent .*restauration refusée/s);
  t.notOk(existsSync(join(target, 'passnum.sqlite')), 'no database put in place');

  rmSync(backup.secretsFile);
  const missing = await runTsToEnd('scripts/restore.ts', [backup.file], { DATA_DIR: tempDir(t, 'restore-empty'), SESSION_SECRET: '', PASS_CODE_SECRET: '', DATABASE_PATH: '' });
  t.equal(missing.code, 1);
  t.match(missing.output, /Les secrets de cette sauvegarde manquent .*secrets\.json/);
});

t.test('restore refuses while a service uses the database, and proceeds once it has stopped', async (t) => {
  const dataDir = tempDir(t, 'restore-live');
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
  const { db, databasePath } = await serviceData(dataDir);
  const backup = createBackup({ databasePath, dir: join(dataDir, 'backups'), secrets, keep: 14, clock: new ManualClock(TEST_NOW) });
  db.$client.close();
  const env = { DATA_DIR: dataDir, PORT: '3012', HOST: '127.0.0.1', DEMO_DATA: 'false', JOBS: 'false', SESSION_SECRET: '', PASS_CODE_SECRET: '', DATABASE_PATH: '' };
  const service = runTs('server/main.ts', [], env);
  t.teardown(() => {
    service.process.kill('SIGKILL');
  });
  await service.waitFor(/est prêt/);
  const refused = await runTsToEnd('scripts/restore.ts', [backup.file], env);
  t.equal(refused.code, 1);
  t.match(refused.output, new RegExp(`Un service utilise encore .*processus ${service.process.pid}`));
  service.process.kill('SIGTERM');
  t.equal(await service.exited, 0, 'the service stopped cleanly');
  const accepted = await runTsToEnd('scripts/restore.ts', [backup.file], env);
  t.equal(accepted.code, 0, accepted.output);
  t.match(accepted.output, /Base en place mise de côté/);
  t.ok(readdirSync(dataDir).some((f) => f.startsWith('passnum.sqlite.avant-restauration-')), 'the replaced database is kept aside');
});
