import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId } from '../../shared/secrets.ts';
import { instanceStatements, instancesSeenAfter } from './operations.repository.ts';

/**
 * Every running service says so in the database it uses, every few seconds. `npm run restore`
 * reads these rows to refuse replacing a database under a live service: SQLite holds no lock while
 * a connection is idle, so "is anyone using this file?" cannot be asked of SQLite itself. A service
 * stopped cleanly removes its row; one killed outright stops refreshing it and counts as gone once
 * its row is older than INSTANCE_ALIVE_MS.
 */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const INSTANCE_ALIVE_MS = 3 * HEARTBEAT_INTERVAL_MS;

import type { InstanceRow } from './operations.repository.ts';
export type { InstanceRow };

export interface Heartbeat {
  id: string;
  stop(): void;
}

export function startInstanceHeartbeat(input: { db: Db; clock: Clock; intervalMs?: number }): Heartbeat {
  const { db, clock, intervalMs = HEARTBEAT_INTERVAL_MS } = input;
  const statements = instanceStatements(db);
  const id = newId();
  const now = clock.now().toISOString();
  statements.insert({ id, pid: process.pid, host: hostname(), startedAt: now }, now);
  const timer = setInterval(() => {
    try {
      statements.touch(id, clock.now().toISOString());
    } catch {
      // A database that cannot be written is reported by /readyz; the heartbeat just tries again.
    }
  }, intervalMs);
  timer.unref();
  return {
    id,
    stop() {
      clearInterval(timer);
      statements.remove(id);
    },
  };
}

/** Services seen on this database within INSTANCE_ALIVE_MS of `now` (none when the table does not exist yet). */
export function liveInstances(sqlite: Database.Database, now: Date, aliveMs = INSTANCE_ALIVE_MS): InstanceRow[] {
  return instancesSeenAfter(sqlite, new Date(now.getTime() - aliveMs).toISOString());
}
