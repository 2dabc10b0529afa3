import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints in a thread of their own.
 *
 * With WAL, a commit only appends pages to the -wal file; a checkpoint later copies them into the
 * database file. By default the connection that commits runs that checkpoint itself, every 1 000
 * pages: at peak load, the redemption that happens to cross the line also pays for copying the
 * pages of the hundred redemptions before it, in the event loop's thread. Here a second connection,
 * in a worker thread, copies them every `intervalMs` (PASSIVE: it never waits for, nor blocks, a
 * reader or a writer), on the machine's other core. The writing connection keeps its own automatic
 * checkpoint, raised to `fallbackPages`, for the case where the thread falls behind: by then most
 * pages are already copied and the checkpoint it runs is short. The -wal file is reset (written
 * again from its start) at the next write after a checkpoint that copied everything.
 */
export interface Checkpointer {
  /** Resolves once the thread has opened its connection and checkpoints. */
  ready: Promise<void>;
  stop(): Promise<void>;
  /** Why the thread is not doing its job (ended, or no pass for a long while), or undefined when it is. */
  stuckReason(now?: number): string | undefined;
}

export interface CheckpointerOptions {
  /** Pause between rounds of checkpoints. */
  intervalMs?: number;
  /** Most checkpoints of a round, a millisecond apart (see checkpoint-thread.mjs). */
  maxPasses?: number;
  /** WAL size, in pages, past which the writing connection checkpoints by itself. */
  fallbackPages?: number;
  /** Told when a checkpoint fails (the database stays consistent: the WAL is just copied later). */
  onError?: (message: string) => void;
}

export function startCheckpointer(client: Database.Database, options: CheckpointerOptions = {}): Checkpointer {
  if (client.memory) return { ready: Promise.resolve(), stop: async () => {}, stuckReason: () => undefined };
  const { intervalMs = 100, fallbackPages = 4000, maxPasses = 50, onError } = options;
  client.pragma(`wal_autocheckpoint = ${fallbackPages}`);
  const beat = new SharedArrayBuffer(8);
  const lastPass = new Float64Array(beat);
  lastPass[0] = Date.now();
  const worker = new Worker(new URL('./checkpoint-thread.mjs', import.meta.url), { workerData: { path: client.name, intervalMs, maxPasses, beat } });
  let exited = false;
  worker.once('exit', () => {
    exited = true;
  });
  // The thread never keeps the process alive on its own.
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'error') onError?.(message.message ?? 'checkpoint failed');
    });
    worker.on('error', (error) => {
      reject(error);
      onError?.(error.message);
    });
  });
  // Nobody has to wait for it: a thread that cannot start leaves the writer checkpointing by itself.
  ready.catch(() => {});
  let stopped: Promise<void> | undefined;
  // A pass takes milliseconds and the thread sleeps intervalMs between rounds: a minute without one is stuck.
  const stuckAfterMs = Math.max(60_000, 100 * intervalMs);
  return {
    ready,
    stuckReason(now = Date.now()) {
      if (stopped) return undefined;
      if (exited) return 'le fil des points de contrôle WAL s’est arrêté';
      const silentMs = now - lastPass[0]!;
      return silentMs > stuckAfterMs ? `aucun point de contrôle WAL depuis ${Math.round(silentMs / 1000)} s` : undefined;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // Held while it stops: an unreferenced thread would let the process end before its connection is closed.
        worker.ref();
        worker.postMessage('stop');
      }).then(() => {
        // Back to SQLite's default for whoever keeps using the connection (a script, a test).
        if (client.open) client.pragma('wal_autocheckpoint = 1000');
      });
      return stopped;
    },
  };
}
