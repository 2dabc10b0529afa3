import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { testConfig, TEST_NOW } from './app.ts';
import { bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedReference, seedWorld } from './fixtures.ts';

/** The secrets of testConfig(): the pass codes of createApprovedOrder are signed with them. */
export const secrets = { sessionSecret: testConfig().sessionSecret, passCodeSecret: testConfig().passCodeSecret };

export function tempDir(t: { teardown(fn: () => void): void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pn-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A migrated database file with a funded order, one booklet handed out and a place that can redeem. */
export async function serviceData(dir: string) {
  const databasePath = join(dir, 'passnum.sqlite');
  const db = openDatabase(databasePath);
  migrateDatabase(db);
  const clock = new ManualClock(TEST_NOW);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5, funded: true });
  const [first] = await bookletsOf(db, order.id);
  const codes = await handOutBooklet(db, first!.id);
  const place = await createPlace(db, { sites: [{ communeCode: '31395' }] });
  return { db, databasePath, codes, place };
}

export const entryCount = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM journal_entries').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

