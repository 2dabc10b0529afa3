import t from 'tap';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { withLock } from '../../db/locks.ts';
import { nextDocumentNumber, nextSequenceValue, reserveSequenceRange } from '../../server/shared/sequences.repository.ts';

function freshDb(t: { teardown(fn: () => void): void }) {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  t.teardown(() => db.$client.close());
  return db;
}

t.test('a named section runs only inside the caller’s transaction', async (t) => {
  const db = freshDb(t);
  t.throws(() => withLock('journal-chain-head', db, () => 1), /inside the caller's write transaction/);
  t.equal(db.transaction((tx) => withLock('journal-chain-head', tx, () => 42), { behavior: 'immediate' }), 42);
});

t.test('sequences are a named section: outside a transaction no number is handed out', async (t) => {
  const db = freshDb(t);
  t.throws(() => nextDocumentNumber(db, 'FAC', '2026'), /sequence:FAC-2026/);
  const numbers = db.transaction((tx) => [nextDocumentNumber(tx, 'FAC', '2026'), nextDocumentNumber(tx, 'FAC', '2026'), nextDocumentNumber(tx, 'AV', '2026')]);
  t.same(numbers, ['FAC-2026-000001', 'FAC-2026-000002', 'AV-2026-000001']);
  t.throws(() => db.transaction((tx) => {
    nextDocumentNumber(tx, 'FAC', '2026');
    throw new Error('rolled back');
  }), /rolled back/);
  t.equal(db.transaction((tx) => nextDocumentNumber(tx, 'FAC', '2026')), 'FAC-2026-000003', 'a rolled-back number is given again: gapless');
});

t.test('a range of a sequence is reserved in one step, gapless with single numbers', async (t) => {
  const db = freshDb(t);
  t.throws(() => reserveSequenceRange(db, 'RB-2026', 3), /sequence:RB-2026/, 'outside a transaction: refused');
  t.equal(db.transaction((tx) => reserveSequenceRange(tx, 'RB-2026', 3)), 1);
  t.equal(db.transaction((tx) => nextSequenceValue(tx, 'RB-2026')), 4);
  t.equal(db.transaction((tx) => reserveSequenceRange(tx, 'RB-2026', 10)), 5);
  t.throws(() => db.transaction((tx) => reserveSequenceRange(tx, 'RB-2026', 0)), RangeError);
});
