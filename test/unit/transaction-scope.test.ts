import t from 'tap';
import { sql } from 'drizzle-orm';
import { connectionOf, guardTransactionScope, migrateDatabase, openDatabase } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';

function guardedDb(t: { teardown(fn: () => void): void }) {
  const raw = openDatabase(':memory:');
  migrateDatabase(raw);
  t.teardown(() => raw.$client.close());
  return guardTransactionScope(raw);
}

t.test('inside a transaction, a query on the outer database object throws; on the transaction it runs', async (t) => {
  const db = guardedDb(t);
  const count = () => db.get<{ n: number }>(sql`SELECT count(*) AS n FROM audit_log`).n;
  const before = count();
  t.throws(
    () =>
      db.transaction((tx) => {
        tx.run(sql`SELECT 1`);
        db.select().from(auditLog).all();
      }),
    /inside a transaction on the outer database object/,
  );
  t.throws(() => db.transaction(() => db.run(sql`DELETE FROM audit_log`)), /pass the transaction/);
  t.throws(() => db.transaction(() => connectionOf(db).prepare('SELECT 1').get()), /\$client/, 'a raw statement prepared on the outer connection too');
  t.equal(count(), before, 'outside any transaction the outer object works again');
  t.equal(db.transaction((tx) => connectionOf(tx).prepare('SELECT 41 + 1 AS n').get() as { n: number }).n, 42);
});

t.test('a test may still wrap db.transaction to count transactions', async (t) => {
  const db = guardedDb(t);
  let opened = 0;
  const original = db.transaction.bind(db);
  db.transaction = ((work: Parameters<typeof db.transaction>[0], config?: Parameters<typeof db.transaction>[1]) => {
    opened += 1;
    return original(work, config);
  }) as typeof db.transaction;
  t.throws(() => db.transaction(() => db.select().from(auditLog).all()), /outer database object/, 'the guard still applies');
  db.transaction((tx) => tx.select().from(auditLog).all());
  t.equal(opened, 2);
});
