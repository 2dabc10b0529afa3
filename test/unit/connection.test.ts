import t from 'tap';
import { cachedPerConnection, connectionOf, migrateDatabase, migrationsApplied, openDatabase, type Db } from '../../db/client.ts';
import { openMigratedDatabase } from '../helpers/migrated-db.ts';
import { twoLineEntry } from '../helpers/journal-entries.ts';
import { postEntry } from '../../server/modules/finance/ledger.ts';
import { ManualClock } from '../../server/shared/clock.ts';

function freshDb(t: { teardown(fn: () => void): void }): Db {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  t.teardown(() => db.$client.close());
  return db;
}

// Hot paths run statements prepared once per connection inside drizzle transactions: they rely on
// finding the connection under a transaction object, which drizzle does not expose publicly.
t.test('the connection under a database, a transaction and a nested transaction is the database’s', async (t) => {
  const db = freshDb(t);
  t.equal(connectionOf(db), db.$client);
  db.transaction((tx) => {
    t.equal(connectionOf(tx), db.$client);
    tx.transaction((nested) => t.equal(connectionOf(nested), db.$client));
  });
  t.throws(() => connectionOf({} as Db), /no better-sqlite3 connection/);
});

t.test('statements are prepared once per connection and run inside the open transaction', async (t) => {
  const db = freshDb(t);
  const other = freshDb(t);
  let built = 0;
  const statements = cachedPerConnection((client) => {
    built += 1;
    return { insert: client.prepare<[string]>('INSERT INTO sequences (name, value) VALUES (?, 1)') };
  });
  t.equal(statements(db), statements(db));
  db.transaction((tx) => t.equal(statements(tx), statements(db)));
  t.not(statements(other), statements(db));
  t.equal(built, 2);
  t.throws(() =>
    db.transaction((tx) => {
      statements(tx).insert.run('rolled-back');
      throw new Error('abandon');
    }),
  );
  t.same(db.$client.prepare("SELECT count(*) AS n FROM sequences WHERE name = 'rolled-back'").get(), { n: 0 }, 'rolled back with the transaction');
});

t.test('postEntry refuses to run outside a transaction', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-11-25T10:00:00Z');
  const input = twoLineEntry({ kind: 'test', refType: 'test', refId: 't1', label: 'Test', debit: 'bank', credit: 'fees:revenue', cents: 100 });
  t.throws(() => postEntry(db, clock, input), /inside the caller’s transaction/);
  t.equal(db.transaction((tx) => postEntry(tx, clock, input), { behavior: 'immediate' }).seq, 1);
});

// Tests open their databases from the bytes of one migrated database (test/helpers/migrated-db.ts):
// such a copy must be the same database with the same pragmas, and a database of its own.
t.test('a database opened from another’s bytes has its tables, rows and pragmas, and is a copy of its own', async (t) => {
  const source = freshDb(t);
  source.$client.prepare("INSERT INTO sequences (name, value) VALUES ('kept', 7)").run();
  const copy = openDatabase(source.$client.serialize());
  t.teardown(() => copy.$client.close());
  t.ok(migrationsApplied(copy), 'every migration is recorded as applied');
  const tables = (db: Db) => db.$client.prepare("SELECT name, sql FROM sqlite_master ORDER BY name").all();
  t.same(tables(copy), tables(source), 'the same schema');
  t.same(copy.$client.prepare("SELECT value FROM sequences WHERE name = 'kept'").get(), { value: 7 }, 'the same rows');
  for (const pragma of ['foreign_keys', 'busy_timeout', 'synchronous', 'temp_store', 'journal_mode']) {
    t.equal(copy.$client.pragma(pragma, { simple: true }), source.$client.pragma(pragma, { simple: true }), `the same ${pragma}`);
  }
  t.throws(() => copy.$client.prepare("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s', 'nobody', 'x', 'x')").run(), /FOREIGN KEY/, 'foreign keys are enforced');
  copy.$client.prepare("INSERT INTO sequences (name, value) VALUES ('copy only', 1)").run();
  t.same(source.$client.prepare("SELECT count(*) AS n FROM sequences WHERE name = 'copy only'").get(), { n: 0 }, 'a write to the copy stays in the copy');
});

t.test('every test database from the migrated image is a fresh one of its own', async (t) => {
  const first = openMigratedDatabase();
  const second = openMigratedDatabase();
  const opened = [first, second];
  t.teardown(() => {
    for (const db of opened) db.$client.close();
  });
  t.ok(migrationsApplied(first) && migrationsApplied(second), 'both migrated');
  first.$client.prepare("INSERT INTO sequences (name, value) VALUES ('first', 1)").run();
  t.same(second.$client.prepare('SELECT count(*) AS n FROM sequences').get(), { n: 0 }, 'nothing written in one reaches the other');
  const later = openMigratedDatabase();
  opened.push(later);
  t.same(later.$client.prepare('SELECT count(*) AS n FROM sequences').get(), { n: 0 }, 'nor a later one');
});
