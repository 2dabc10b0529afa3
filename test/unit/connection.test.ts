import t from 'tap';
import { cachedPerConnection, connectionOf, migrateDatabase, openDatabase, type Db } from '../../db/client.ts';
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
  const input = {
    kind: 'test',
    refType: 'test',
    refId: 't1',
    label: 'Test',
    idempotencyKey: 'test:t1',
    lines: [
      { account: 'bank', debitCents: 100 },
      { account: 'fees:revenue', creditCents: 100 },
    ],
  };
  t.throws(() => postEntry(db, clock, input), /inside the caller’s transaction/);
  t.equal(db.transaction((tx) => postEntry(tx, clock, input), { behavior: 'immediate' }).seq, 1);
});
