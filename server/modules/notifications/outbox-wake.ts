import type Database from 'better-sqlite3';
import { connectionOf, type DbOrTx } from '../../../db/client.ts';

/**
 * "A message was queued on this connection": the running sender listens, and starts a round as soon
 * as the transaction that queued it has committed, instead of waiting for its next poll.
 *
 * better-sqlite3 runs a transaction callback synchronously, so a `setImmediate` scheduled from inside
 * it can only fire once the callback has returned, that is after COMMIT (or ROLLBACK, when the round
 * then finds nothing new). The listener is kept per connection, like `cachedPerConnection`: two apps
 * on two connections each wake their own sender.
 */
const listeners = new WeakMap<Database.Database, () => void>();
const scheduled = new WeakSet<Database.Database>();

export function onOutboxWrite(db: DbOrTx, listener: () => void): () => void {
  const client = connectionOf(db);
  listeners.set(client, listener);
  return () => {
    if (listeners.get(client) === listener) listeners.delete(client);
  };
}

/** Called by enqueueMessage inside the causing transaction; one wake per turn of the event loop. */
export function wakeAfterCommit(tx: DbOrTx): void {
  const client = connectionOf(tx);
  if (!listeners.has(client) || scheduled.has(client)) return;
  scheduled.add(client);
  setImmediate(() => {
    scheduled.delete(client);
    listeners.get(client)?.();
  });
}
