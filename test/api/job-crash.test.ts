import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { approveOrder } from '../../server/modules/orders/orders.service.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { ledgerReport } from '../../scripts/ledger-verify.ts';
import { testConfig, TEST_NOW } from '../helpers/app.ts';
import { secrets } from '../helpers/backups.ts';
import { actorOf, seedReference, seedWorld, submitTestOrder } from '../helpers/fixtures.ts';
import { killMidJobThenResume } from '../helpers/processes.ts';

// Child processes start slowly on a loaded machine: a watchdog, not a timing assertion.
t.setTimeout(600_000);

const BOOKLETS = 5000;

t.test('a service killed (kill -9) in the middle of an issuance job leaves nothing half-written, and the job completes after a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
  const databasePath = join(dataDir, 'passnum.sqlite');
  const db = openDatabase(databasePath);
  migrateDatabase(db);
  const clock = new ManualClock(TEST_NOW);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = submitTestOrder(db, clock, world.buyerAdmin, { bookletCount: BOOKLETS, passesPerBooklet: 10 });
  const approved = approveOrder({ db, clock, actor: actorOf(db, world.operatorAdmin), orderId: order.id, codes: passCodeFactoryFor(testConfig()), asyncAbovePasses: 1000 });
  db.$client.close();
  t.ok(approved.issuanceJobId, 'queued as a job');

  const reader = new Database(databasePath, { readonly: true });
  t.teardown(() => reader.close());
  const progress = () => reader.prepare('SELECT status, progress_done AS done, attempts FROM jobs WHERE id = ?').get(approved.issuanceJobId) as { status: string; done: number; attempts: number };
  const bookletCount = () => (reader.prepare('SELECT count(*) AS n FROM booklets WHERE order_id = ?').get(order.id) as { n: number }).n;
  const passCount = () => (reader.prepare('SELECT count(*) AS n FROM passes WHERE order_id = ?').get(order.id) as { n: number }).n;

  const end = await killMidJobThenResume(t, {
    dataDir,
    port: 3012,
    progress,
    atKill: (atKill) => {
      t.ok(atKill.status !== 'done', `killed mid-way (${atKill.done} of ${BOOKLETS} booklets)`);
      t.equal(bookletCount(), atKill.done, 'the booklets on disk are exactly the chunks the job recorded');
      t.equal(passCount(), atKill.done * 10, 'and each has its ten passes: no chunk half-written');
    },
  });
  t.match(end, { status: 'done', done: BOOKLETS, attempts: 2 });
  t.equal(bookletCount(), BOOKLETS);
  t.equal(passCount(), BOOKLETS * 10, 'pass counts exact');
  const distinct = reader.prepare('SELECT count(DISTINCT position) AS n FROM booklets WHERE order_id = ?').get(order.id) as { n: number };
  t.equal(distinct.n, BOOKLETS, 'no position issued twice');
  const verify = openDatabase(databasePath);
  t.ok(ledgerReport(verify).ok, 'the journal verifies');
  verify.$client.close();
});
