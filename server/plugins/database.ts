import fp from 'fastify-plugin';
import { startCheckpointer } from '../../db/checkpointer.ts';
import type { Db } from '../../db/client.ts';
import { GroupCommit } from '../../db/group-commit.ts';

export interface DatabaseOptions {
  /**
   * The database, opened and migrated by the caller (db/client.ts: openDatabase with its pragmas,
   * migrateDatabase): main.ts seeds it before the service starts, tests open a fresh one each.
   */
  db: Db;
}

/**
 * The storage boundary of the service. Everything SQLite-specific that runs with the service
 * lives behind it:
 * - `app.db`, the drizzle database every repository receives (or a transaction of it);
 * - `app.groupCommit`, which batches concurrent redemptions into one write transaction — SQLite has a
 *   single writer, and one fsync per group instead of one per redemption is what holds the peak;
 * - `app.checkpointer`, the thread that checkpoints the WAL off the event loop (db/checkpointer.ts),
 *   stopped when the service closes.
 * Use cases see only `Db`/`Tx` and named locks (db/locks.ts): a PostgreSQL adapter replaces this
 * plugin (a pool, no group commit, no checkpoint thread) and withLock, not the modules.
 */
export default fp<DatabaseOptions>(
  async (app, { db }) => {
    app.decorate('db', db);
    app.decorate('groupCommit', new GroupCommit(db.$client));
    const checkpointer = startCheckpointer(db.$client, { onError: (message) => app.log.warn({ message }, 'WAL checkpoint failed') });
    app.decorate('checkpointer', checkpointer);
    app.addHook('onClose', () => checkpointer.stop());
  },
  { name: 'database' },
);
