import { connectionOf, type DbOrTx } from './client.ts';

/**
 * The sections that must never run twice at once, by name. Each reads a value and writes what
 * follows from it (the journal's chain head, a buyer's committed total under a cap, the redemptions
 * a batch takes, the next number of a sequence): two interleaved runs would fork the chain, pass the
 * cap or number two documents alike.
 */
export type LockName =
  | 'journal-chain-head'
  | `buyer-cap:${string}`
  | 'reimbursement-batch'
  | `sequence:${string}`;

/**
 * Runs `work` as the named serialised section of the caller's transaction.
 *
 * On SQLite (this adapter) the database has a single writer: a write transaction, opened with
 * `behavior: 'immediate'`, already excludes every other writer until it commits, so there is nothing
 * to take: the lock only checks that it is used inside a transaction, where that exclusion holds.
 * A PostgreSQL adapter takes `pg_advisory_xact_lock(hashtext(name))` here instead, released at the
 * transaction's end; callers do not change. Naming every such section is what makes that possible.
 */
export function withLock<T>(name: LockName, tx: DbOrTx, work: () => T): T {
  if (!connectionOf(tx).inTransaction) {
    throw new Error(`withLock(${name}): a serialised section runs inside the caller's write transaction`);
  }
  return work();
}
