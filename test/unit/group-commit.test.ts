import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUP_COMMIT_MAX, GroupCommit } from '../../db/group-commit.ts';

/** A file database and a second connection on it: what the second one sees is what was committed. */
function twoConnections(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'pn-group-commit-'));
  const path = join(dir, 'test.sqlite');
  const writer = new Database(path);
  writer.pragma('journal_mode = WAL');
  writer.pragma('temp_store = MEMORY');
  writer.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE item (name TEXT UNIQUE NOT NULL, parent_id INTEGER REFERENCES parent(id))');
  writer.pragma('foreign_keys = ON');
  const reader = new Database(path, { readonly: true });
  t.teardown(() => {
    reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const insert = writer.prepare<[string]>('INSERT INTO item (name) VALUES (?)');
  const committed = () => (reader.prepare('SELECT name FROM item ORDER BY rowid').all() as { name: string }[]).map((r) => r.name);
  return { writer, insert, committed };
}

t.test('use cases of one event-loop turn run in one transaction, answered after its commit', async (t) => {
  const { writer, insert, committed } = twoConnections(t);
  const group = new GroupCommit(writer);
  const seenByReaderDuringSecond: string[][] = [];
  const first = group.run(() => insert.run('a').changes);
  const second = group.run(() => {
    insert.run('b');
    // Still one open transaction: the first use case's row is not committed yet.
    seenByReaderDuringSecond.push(committed());
    t.ok(writer.inTransaction);
    return 'b';
  });
  t.same(committed(), [], 'nothing runs before the end of the turn');
  t.same(await Promise.all([first, second]), [1, 'b']);
  t.same(seenByReaderDuringSecond, [[]], 'a and b shared one transaction');
  t.same(committed(), ['a', 'b'], 'both committed when their promises resolve');
  t.notOk(writer.inTransaction);
});

t.test('a use case that throws is rolled back alone; the others of its group commit', async (t) => {
  const { writer, insert, committed } = twoConnections(t);
  const group = new GroupCommit(writer);
  const outcomes = await Promise.allSettled([
    group.run(() => insert.run('a')),
    group.run(() => {
      insert.run('half-done');
      throw new Error('refused after a write');
    }),
    group.run(() => insert.run('a')), // UNIQUE violation: refused by SQLite itself
    group.run(() => insert.run('c')),
  ]);
  t.same(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
  );
  t.match((outcomes[1] as PromiseRejectedResult).reason, { message: 'refused after a write' });
  t.match((outcomes[2] as PromiseRejectedResult).reason, { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  t.same(committed(), ['a', 'c'], 'the half-done write is gone, the others are kept');
});

t.test('a later use case sees what an earlier one of the same group wrote', async (t) => {
  const { writer, insert } = twoConnections(t);
  const group = new GroupCommit(writer);
  const claim = () => {
    const taken = writer.prepare("SELECT count(*) AS n FROM item WHERE name = 'pass'").get() as { n: number };
    if (taken.n > 0) throw new Error('already taken');
    insert.run('pass');
    return 'won';
  };
  const outcomes = await Promise.allSettled([group.run(claim), group.run(claim), group.run(claim)]);
  t.same(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'rejected'],
  );
});

t.test('when the commit fails, every use case of the group is refused and nothing is written', async (t) => {
  const { writer, insert, committed } = twoConnections(t);
  const group = new GroupCommit(writer);
  const outcomes = await Promise.allSettled([
    group.run(() => insert.run('a')),
    group.run(() => {
      // A deferred foreign key is only checked at COMMIT: this makes the group's commit fail.
      writer.pragma('defer_foreign_keys = ON');
      writer.prepare("INSERT INTO item (name, parent_id) VALUES ('orphan', 42)").run();
    }),
  ]);
  t.same(
    outcomes.map((o) => o.status),
    ['rejected', 'rejected'],
  );
  t.match((outcomes[0] as PromiseRejectedResult).reason, { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
  t.same(committed(), []);
  t.notOk(writer.inTransaction, 'the failed transaction is rolled back');
  t.equal(await group.run(() => insert.run('after').changes), 1, 'the next group works');
  t.same(committed(), ['after']);
});

t.test(`a burst larger than ${GROUP_COMMIT_MAX} is committed in several groups, in arrival order`, async (t) => {
  const { writer, insert, committed } = twoConnections(t);
  const group = new GroupCommit(writer);
  const count = GROUP_COMMIT_MAX * 2 + 5;
  const committedBefore: number[] = [];
  const names = Array.from({ length: count }, (_, i) => `n${String(i).padStart(3, '0')}`);
  await Promise.all(
    names.map((name) =>
      group.run(() => {
        committedBefore.push(committed().length);
        insert.run(name);
      }),
    ),
  );
  t.same(committed(), names);
  t.equal(committedBefore[0], 0);
  t.equal(committedBefore[GROUP_COMMIT_MAX - 1], 0, 'the first group sees nothing committed');
  t.equal(committedBefore[GROUP_COMMIT_MAX], GROUP_COMMIT_MAX, 'the second group starts after the first commit');
  t.equal(committedBefore[2 * GROUP_COMMIT_MAX], 2 * GROUP_COMMIT_MAX);
});
