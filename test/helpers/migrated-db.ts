import { migrateDatabase, openDatabase, type Db } from '../../db/client.ts';

let migratedImage: Buffer | undefined;

/**
 * A fresh in-memory database with every migration applied. The migrations run once per test
 * process, on a first database whose bytes every later one is opened from: each call returns a
 * database of its own (a copy, nothing shared), for the cost of a copy instead of every migration.
 */
export function openMigratedDatabase(): Db {
  if (!migratedImage) {
    const first = openDatabase(':memory:');
    migrateDatabase(first);
    migratedImage = first.$client.serialize();
    first.$client.close();
  }
  return openDatabase(migratedImage);
}
