/** The operator's own tables: running services, the readiness probe, run and job counts, purges. */
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';

/** A running service, as it says so in the database (instances.ts). */
export interface InstanceRow {
  id: string;
  pid: number;
  host: string;
  startedAt: string;
  seenAt: string;
}

/** Prepared once per heartbeat: the refresh runs every few seconds for the life of the process. */
export function instanceStatements(db: Db) {
  const sqlite = db.$client;
  const touch = sqlite.prepare('UPDATE service_instances SET seen_at = ? WHERE id = ?');
  return {
    insert(row: Omit<InstanceRow, 'seenAt'>, seenAt: string): void {
      sqlite.prepare('INSERT INTO service_instances (id, pid, host, started_at, seen_at) VALUES (?, ?, ?, ?, ?)').run(row.id, row.pid, row.host, row.startedAt, seenAt);
    },
    touch(id: string, seenAt: string): void {
      touch.run(seenAt, id);
    },
    /** Gone with the process: nothing to do once the connection is closed. */
    remove(id: string): void {
      if (sqlite.open) sqlite.prepare('DELETE FROM service_instances WHERE id = ?').run(id);
    },
  };
}

/**
 * Services seen since `seenAfter` (none when the table does not exist yet). On a raw connection:
 * `npm run restore` asks it of a database file it has not migrated.
 */
export function instancesSeenAfter(sqlite: Database.Database, seenAfter: string): InstanceRow[] {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'service_instances'").get();
  if (!table) return [];
  return sqlite
    .prepare('SELECT id, pid, host, started_at AS startedAt, seen_at AS seenAt FROM service_instances WHERE seen_at > ? ORDER BY started_at')
    .all(seenAfter) as InstanceRow[];
}

/** One write, to learn whether the database takes writes (read-only file, full disk, I/O error throw). */
export function writeReadinessProbe(db: Db, nowIso: string): void {
  db.$client.prepare('INSERT INTO readiness_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(nowIso);
}

export function finishedJobCounts(db: DbOrTx) {
  return db.all<{ kind: string; status: string; n: number }>(sql`SELECT kind, status, count(*) AS n FROM jobs WHERE status IN ('done', 'failed') GROUP BY kind, status`);
}

export function scheduledRunCounts(db: DbOrTx) {
  return db.all<{ task: string; outcome: string | null; n: number }>(sql`SELECT task, outcome, count(*) AS n FROM scheduled_runs GROUP BY task, outcome`);
}

export function purgeExpiredSessions(db: DbOrTx, nowIso: string): number {
  return db.run(sql`DELETE FROM sessions WHERE expires_at < ${nowIso}`).changes;
}

export function purgeExpiredInvitations(db: DbOrTx, nowIso: string): number {
  return db.run(sql`DELETE FROM invitations WHERE used_at IS NULL AND expires_at < ${nowIso}`).changes;
}

export function purgeScheduledRunsStartedBefore(db: DbOrTx, beforeIso: string): number {
  return db.run(sql`DELETE FROM scheduled_runs WHERE finished_at IS NOT NULL AND started_at < ${beforeIso}`).changes;
}
