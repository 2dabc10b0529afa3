// The WAL checkpointer's thread (see checkpointer.ts). Plain JavaScript: it needs no TypeScript
// loader, only better-sqlite3 and its own connection on the database file.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs, maxPasses, beat } = workerData;
// Heartbeat read by /readyz (checkpointer.ts): the instant of the last pass, whatever its outcome.
const lastPass = beat ? new Float64Array(beat) : undefined;
const db = new Database(path);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let timer;
let passes = 0;
let previousLog = -1;

const next = (delayMs) => {
  timer = setTimeout(pass, delayMs);
};

/**
 * PASSIVE never waits for readers or writers: it copies the frames committed when it started and
 * leaves the rest. The -wal file is reset (written again from its start, so that it stops growing)
 * by the first write that begins after a checkpoint copied everything, if no reader is using the
 * file at that instant. Under a steady flow of writes, passes therefore follow each other a
 * millisecond apart, each copying what was committed during the previous one, until the file has
 * been reset (its frame count goes down) or `maxPasses` is reached; then the thread sleeps.
 */
function pass() {
  if (lastPass) lastPass[0] = Date.now();
  try {
    const [result] = checkpoint.all();
    const reset = result.log < previousLog;
    passes++;
    if (result.busy || reset || result.log === 0 || passes >= maxPasses) {
      passes = 0;
      previousLog = -1;
      return next(intervalMs);
    }
    previousLog = result.log;
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error?.message ?? error) });
    passes = 0;
    return next(intervalMs);
  }
  next(1);
}
next(intervalMs);
parentPort.postMessage({ type: 'ready' });

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
