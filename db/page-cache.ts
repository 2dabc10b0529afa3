import type { Db } from './client.ts';

/**
 * Runs `work` with at least `kib` KiB of SQLite page cache on the connection, then restores its
 * setting. A connection setting of this adapter (a pragma), so it sits behind the database port:
 * the batch builder asks for a larger cache for its one big transaction without reaching the raw
 * connection itself.
 */
export function withPageCache<T>(db: Db, kib: number, work: () => T): T {
  const client = db.$client;
  const previous = client.pragma('cache_size', { simple: true }) as number;
  // A negative cache_size is in KiB, a positive one in pages.
  const previousKib = previous < 0 ? -previous : (previous * (client.pragma('page_size', { simple: true }) as number)) / 1024;
  if (previousKib >= kib) return work();
  client.pragma(`cache_size = ${-kib}`);
  try {
    return work();
  } finally {
    client.pragma(`cache_size = ${previous}`);
  }
}
