/**
 * The database as files, for backups and restores: the SQLite-specific part of them. A PostgreSQL
 * adapter would give the same three operations with pg_dump/pg_restore and a connection of its own.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { schema, type Db } from './client.ts';

/** The file behind this connection, or undefined for an in-memory database. */
export function databaseFileOf(db: Db): string | undefined {
  return db.$client.memory ? undefined : db.$client.name;
}

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close();
}

/**
 * A consistent copy of a live database: `VACUUM INTO` reads inside one read transaction, which in WAL
 * mode sees one committed state and never blocks the writers, and writes a self-contained file.
 */
export function copyDatabaseInto(sourcePath: string, target: string): void {
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    source.prepare('VACUUM INTO ?').run(target);
  } finally {
    source.close();
  }
}

/**
 * Opens a database file read-only on its own connection and runs `check` on it when SQLite's own
 * integrity check passes; `integrity` lists what that check found otherwise (and `check` is not run).
 */
export function inspectDatabaseFile<T>(file: string, check: (db: Db) => T): { integrity: string[]; result?: T } {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = sqlite.pragma('integrity_check') as { integrity_check: string }[];
    if (rows.length !== 1 || rows[0]!.integrity_check !== 'ok') return { integrity: rows.map((row) => row.integrity_check) };
    return { integrity: [], result: check(drizzle(sqlite, { schema }) as Db) };
  } finally {
    sqlite.close();
  }
}
