import t from 'tap';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { schema, type Db } from '../../db/client.ts';
import { createBackup, checkDatabaseFile, BACKUP_NAME } from '../../server/modules/operations/backup.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { ledgerReport } from '../../scripts/ledger-verify.ts';
import { entryCount, secrets, serviceData, tempDir } from '../helpers/backups.ts';
import { runTs, runTsToEnd } from '../helpers/processes.ts';

// Child processes start slowly on a loaded machine: a watchdog, not a timing assertion.
t.setTimeout(600_000);

t.test('backups taken while another process commits continuously are every one consistent, and only the newest BACKUP_KEEP stay', async (t) => {
  const dir = tempDir(t, 'backup');
  const { db, databasePath } = await serviceData(dir);
  db.$client.close();
  const writer = runTs('test/helpers/ledger-writer.ts', [databasePath]);
  t.teardown(() => {
    writer.process.kill('SIGKILL');
  });
  await writer.waitFor(/ready/);
  const backups = join(dir, 'backups');
  const clock = new ManualClock('2026-11-25T02:00:00.000Z');
  const counts: number[] = [];
  for (let i = 0; i < 8; i++) {
    const result = createBackup({ databasePath, dir: backups, secrets, keep: 3, clock });
    t.match(result.file, /passnum-20261125-02000\d\.sqlite$/);
    // Checked again here, independently of what createBackup checked.
    // Read-only: opening it through openDatabase would switch the copy to WAL and add -wal/-shm files.
    const copy = drizzle(new Database(result.file, { readonly: true }), { schema }) as Db;
    t.equal(copy.$client.pragma('integrity_check', { simple: true }) as string, 'ok', `copy ${i + 1}: integrity_check`);
    const report = ledgerReport(copy);
    copy.$client.close();
    t.ok(report.ok, `copy ${i + 1}: the journal verifies on the copy`);
    t.same(JSON.parse(readFileSync(result.secretsFile, 'utf8')), secrets, 'the secrets are beside it');
    t.equal(statSync(result.secretsFile).mode & 0o777, 0o600);
    counts.push(entryCount(result.file));
    clock.advance(1000);
  }
  writer.process.kill('SIGKILL');
  t.ok(counts.every((n, i) => i === 0 || n >= counts[i - 1]!), 'each copy holds at least what the one before did');
  t.ok(counts[counts.length - 1]! > counts[0]!, `the writer kept committing during the backups (${counts.join(', ')} entries)`);
  const kept = readdirSync(backups).sort();
  t.same(
    kept,
    ['passnum-20261125-020005', 'passnum-20261125-020006', 'passnum-20261125-020007'].flatMap((b) => [`${b}.secrets.json`, `${b}.sqlite`]),
    'the newest three backups and their secrets, nothing else (no partial file)',
  );
});

t.test('npm run backup writes passnum-YYYYMMDD-HHMMSS.sqlite and its secrets, and fails with a message when it cannot', async (t) => {
  const dir = tempDir(t, 'backup-cli');
  const { db } = await serviceData(dir);
  db.$client.close();
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
  const ok = await runTsToEnd('scripts/backup.ts', [join(dir, 'out')], { DATA_DIR: dir });
  t.equal(ok.code, 0, ok.output);
  const files = readdirSync(join(dir, 'out'));
  const backup = files.find((f) => BACKUP_NAME.test(f))!;
  t.ok(backup, `a backup named passnum-YYYYMMDD-HHMMSS.sqlite (${files.join(', ')})`);
  t.ok(files.includes(backup.replace('.sqlite', '.secrets.json')));
  t.match(ok.output, /Sauvegarde écrite/);
  t.ok(checkDatabaseFile(join(dir, 'out', backup)).ok);

  const missing = await runTsToEnd('scripts/backup.ts', [join(dir, 'out2')], { DATA_DIR: dir, DATABASE_PATH: join(dir, 'absente.sqlite') });
  t.not(missing.code, 0);
  t.match(missing.output, /absente\.sqlite n’existe pas/);
  t.notMatch(missing.output, /at .*\.ts:\d+/, 'no stack trace');
});

