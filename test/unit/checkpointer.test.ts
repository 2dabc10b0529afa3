import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckpointer } from '../../db/checkpointer.ts';

/** A WAL database file whose writer never checkpoints by itself below 1 000 pages (SQLite's default). */
function walDatabase(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'pn-checkpointer-'));
  const path = join(dir, 'test.sqlite');
  const writer = new Database(path);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = NORMAL');
  writer.exec('CREATE TABLE item (body TEXT NOT NULL)');
  writer.pragma('wal_checkpoint(TRUNCATE)');
  t.teardown(() => {
    if (writer.open) writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const insert = writer.prepare<[string]>('INSERT INTO item (body) VALUES (?)');
  /** About `pages` pages of rows, in one transaction each of ten. */
  const write = (pages: number) => {
    for (let i = 0; i < pages; i += 10) writer.transaction(() => { for (let j = 0; j < 10; j++) insert.run('x'.repeat(3500)); })();
  };
  return { path, writer, write };
}

/** Waits (polling, never more than `ms`) until `done()`; the checkpointer works on its own schedule. */
async function eventually(done: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return done();
}

t.test('committed pages reach the database file from the checkpointer thread, not from the writer', async (t) => {
  const { path, writer, write } = walDatabase(t);
  const checkpointer = startCheckpointer(writer, { intervalMs: 10 });
  t.teardown(() => checkpointer.stop());
  await checkpointer.ready;
  t.equal(writer.pragma('wal_autocheckpoint', { simple: true }), 4000, 'the writer only checkpoints by itself past 4 000 pages');
  const before = statSync(path).size;
  write(300);
  // 300 pages is far below both thresholds: only the thread can have copied them.
  t.ok(await eventually(() => statSync(path).size > before + 250 * 4096), 'the database file received the pages');
  const reader = new Database(path, { readonly: true });
  t.teardown(() => reader.close());
  t.equal((reader.prepare('SELECT count(*) AS n FROM item').get() as { n: number }).n, 300);
});

t.test('once the thread has copied everything, the next commit writes the -wal file again from its start', async (t) => {
  const { path, writer, write } = walDatabase(t);
  const checkpointer = startCheckpointer(writer, { intervalMs: 10, fallbackPages: 100_000 });
  t.teardown(() => checkpointer.stop());
  await checkpointer.ready;
  const copied = () => statSync(path).size === (writer.pragma('page_count', { simple: true }) as number) * 4096;
  // 6 000 pages in rounds of 100; after each round, the pause a burst of requests leaves the service.
  for (let round = 0; round < 60; round++) {
    write(100);
    if (!(await eventually(copied))) return t.fail(`round ${round}: the thread did not copy the pages`);
  }
  const walPages = Math.round(statSync(`${path}-wal`).size / 4120);
  // The property, not a timing: without resets the file would hold all 6 000 pages. How many rounds it
  // holds at the end depends on how busy the machine is (300 on an idle one, 749 seen under load).
  t.ok(walPages < 3000, `the -wal file was written again from its start, it does not hold the 6 000 pages written (${walPages} pages)`);
});

t.test('stop ends the thread and gives the writer back SQLite’s default; an in-memory database has nothing to do', async (t) => {
  const { writer } = walDatabase(t);
  const checkpointer = startCheckpointer(writer);
  await checkpointer.stop();
  await checkpointer.stop();
  t.equal(writer.pragma('wal_autocheckpoint', { simple: true }), 1000);
  const memory = new Database(':memory:');
  t.teardown(() => memory.close());
  await startCheckpointer(memory).stop();
  t.pass('no thread for :memory:');
});
