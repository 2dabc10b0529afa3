import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema/index.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** Inside db.transaction((tx) => …): same query API, synchronous. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the database or a transaction: repositories accept both. */
export type DbOrTx = Db | Tx;

const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens the SQLite file (or ':memory:', or in memory a copy of a database's bytes from
 * `serialize()`) with the pragmas the service relies on:
 * WAL for concurrent readers, foreign keys on, a busy timeout so concurrent writers wait
 * instead of failing, synchronous=NORMAL (safe with WAL, much faster than FULL), temporary
 * storage in memory.
 */
export function openDatabase(path: string | Buffer): Db {
  if (typeof path === 'string' && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // Savepoints (one per redemption in a group commit) journal the pages they change; past 64 KiB
  // SQLite spills that journal to a temporary file, one open/write/unlink per group. In memory it
  // costs a few hundred KiB per group, and big sorts (a batch over a million redemptions) about 100 MB.
  sqlite.pragma('temp_store = MEMORY');
  return drizzle(sqlite, { schema }) as Db;
}

/**
 * The better-sqlite3 connection under a drizzle database or transaction. better-sqlite3 is
 * synchronous, one connection runs one transaction at a time: a statement prepared on this
 * connection and run inside `db.transaction((tx) => …)` is part of that transaction. Hot paths use
 * it to run statements prepared once per connection instead of building and parsing a query on
 * every call. A transaction object has no `$client`: drizzle keeps the connection in its session,
 * hence the checked lookup (a drizzle upgrade that moves it fails here, loudly, not silently).
 */
export function connectionOf(dbOrTx: DbOrTx): Database.Database {
  const own = (dbOrTx as { $client?: unknown }).$client;
  if (own instanceof Database) return own;
  const client = (dbOrTx as unknown as { session?: { client?: unknown } }).session?.client;
  if (client instanceof Database) return client;
  throw new Error('connectionOf: no better-sqlite3 connection under this drizzle object');
}

/**
 * Statements prepared once per connection: `cachedPerConnection(build)` returns a function giving,
 * for a database or transaction, the statements `build` prepared on its connection (kept while the
 * connection lives).
 */
export function cachedPerConnection<T>(build: (client: Database.Database) => T): (dbOrTx: DbOrTx) => T {
  const cache = new WeakMap<Database.Database, T>();
  return (dbOrTx) => {
    const client = connectionOf(dbOrTx);
    let found = cache.get(client);
    if (found === undefined) {
      found = build(client);
      cache.set(client, found);
    }
    return found;
  };
}

/** Drizzle's transactions expose rollback(); the database object does not. */
export function isTransaction(db: DbOrTx): db is Tx {
  return 'rollback' in db;
}

/**
 * Runs `work` in a write transaction of its own (`immediate`: it takes the writer's place at once),
 * or, given the caller's transaction, in a savepoint of it: a use case that a job step or another
 * use case calls inside its own transaction then commits or rolls back with it.
 */
export function inWriteTransaction<T>(db: DbOrTx, work: (tx: Tx) => T): T {
  return isTransaction(db) ? db.transaction(work) : db.transaction(work, { behavior: 'immediate' });
}

/** What a query made on the outer database object inside one of its transactions could reach. */
const OUTER_QUERY_ENTRY_POINTS = new Set<PropertyKey>(['select', 'selectDistinct', 'insert', 'update', 'delete', 'run', 'all', 'get', 'values', 'query', 'with', '$count', '$client']);

/**
 * The database object, guarded so that a query made through it while one of its transactions runs
 * throws instead of running. On SQLite's single connection such a query silently joins the
 * transaction; on a pooled engine (PostgreSQL) it would run on another connection, outside it, and
 * could not see the transaction's own writes. Tests open every database guarded (test/helpers), so
 * a repository call given `db` where it should get `tx` fails there; production skips the proxy.
 */
export function guardTransactionScope(db: Db): Db {
  let openTransactions = 0;
  // Properties a caller assigns (a test counting transactions) live on the proxy, not on the database.
  const assigned = new Map<PropertyKey, unknown>();
  return new Proxy(db, {
    set(_target, property, value) {
      assigned.set(property, value);
      return true;
    },
    get(target, property) {
      if (assigned.has(property)) return assigned.get(property);
      if (property === 'transaction') {
        return (work: (tx: Tx) => unknown, config?: Parameters<Db['transaction']>[1]) =>
          target.transaction((tx) => {
            openTransactions += 1;
            try {
              return work(tx);
            } finally {
              openTransactions -= 1;
            }
          }, config);
      }
      if (openTransactions > 0 && OUTER_QUERY_ENTRY_POINTS.has(property)) {
        throw new Error(`db.${String(property)} called inside a transaction on the outer database object: pass the transaction (tx) instead`);
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function migrateDatabase(db: Db): void {
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}

/** True when every migration shipped with the code has been applied (used by /readyz). */
export function migrationsApplied(db: Db): boolean {
  try {
    const row = db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
    return row.n >= shippedMigrationCount();
  } catch {
    return false;
  }
}

let cachedMigrationCount: number | undefined;
function shippedMigrationCount(): number {
  // drizzle-kit lists every migration in meta/_journal.json.
  cachedMigrationCount ??= (
    JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
  ).entries.length;
  return cachedMigrationCount;
}

export { schema };
