import type Database from 'better-sqlite3';

/** Most use cases one commit carries: bounds the wait of the first one in a burst. */
export const GROUP_COMMIT_MAX = 64;

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit, for the write paths under national peak load (redemptions).
 *
 * A commit costs more than the work it commits: SQLite writes every B-tree page the transaction
 * touched to the WAL, one system call per page, and each table and index touched is at least one
 * page. Requests that arrive in the same turn of the event loop are therefore run together, at the
 * end of that turn (setImmediate): ONE write transaction, each use case in its own SAVEPOINT, one
 * COMMIT. Pages shared by the group (the last page of the journal, of each index on time-ordered
 * ids, the account totals) are written once instead of once per request.
 *
 * What each caller keeps:
 * - atomicity: a use case that throws is rolled back to its savepoint alone; the others commit;
 * - isolation: the use cases run one after the other, each seeing the writes of the previous ones
 *   (two redemptions of one pass in one group: the second sees the pass redeemed, 409);
 * - durability: a promise resolves only after the COMMIT; if the COMMIT fails, every use case of
 *   the group is rejected with that error and nothing of the group is written.
 * Nothing else can interleave: the group runs synchronously, from BEGIN to COMMIT, in one callback.
 * Under light load a group is one request, delayed by one turn of the event loop.
 */
export class GroupCommit {
  private readonly queue: Pending[] = [];
  private scheduled = false;
  /** better-sqlite3 turns a transaction function called inside a transaction into a SAVEPOINT. */
  private readonly savepoint: (work: () => unknown) => unknown;
  private readonly group: Database.Transaction<(items: Pending[]) => { ok: boolean; value: unknown }[]>;

  constructor(client: Database.Database) {
    this.savepoint = client.transaction((work: () => unknown) => work());
    this.group = client.transaction((items: Pending[]) =>
      items.map((item) => {
        try {
          return { ok: true, value: this.savepoint(item.work) };
        } catch (error) {
          return { ok: false, value: error };
        }
      }),
    );
  }

  /** Runs `work` (synchronous, on this connection) in the next group; resolves once it is committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue.splice(0, GROUP_COMMIT_MAX);
    // The rest of a burst goes in the next turn, after these answers have been sent.
    if (this.queue.length > 0) this.schedule();
    let outcomes: { ok: boolean; value: unknown }[];
    try {
      outcomes = this.group.immediate(items);
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    items.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.value);
    });
  }
}
