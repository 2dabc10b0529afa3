import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from '../../../db/client.ts';
import type { Checkpointer } from '../../../db/checkpointer.ts';
import type { Clock } from '../../shared/clock.ts';
import { databaseFileOf } from '../../../db/files.ts';
import { writeReadinessProbe } from './operations.repository.ts';

export interface ReadinessProblem {
  reason: 'disk_space_low' | 'database_not_writable' | 'checkpoint_stuck';
  detail: string;
}

/**
 * What keeps this process from serving writes, if anything: too little free space where the
 * database lives, a database that refuses a write (read-only file or directory, full disk, I/O
 * error), or a WAL checkpoint thread that stopped (the -wal file would grow without end).
 */
export function readinessProblem(input: { db: Db; clock: Clock; checkpointer: Checkpointer; minFreeDiskBytes: number }): ReadinessProblem | undefined {
  const { db, clock, checkpointer, minFreeDiskBytes } = input;
  const file = databaseFileOf(db);
  if (file) {
    const directory = dirname(file);
    const fs = statfsSync(directory);
    const free = fs.bavail * fs.bsize;
    if (free < minFreeDiskBytes) {
      return {
        reason: 'disk_space_low',
        detail: `Il reste ${Math.floor(free / 1024 / 1024)} Mo libres dans ${directory}, moins que le seuil MIN_FREE_DISK_MB (${Math.floor(minFreeDiskBytes / 1024 / 1024)} Mo) : libérez de la place.`,
      };
    }
  }
  try {
    writeReadinessProbe(db, clock.now().toISOString());
  } catch (error) {
    return { reason: 'database_not_writable', detail: `La base ${file ?? 'en mémoire'} refuse l’écriture : ${(error as Error).message}.` };
  }
  const stuck = checkpointer.stuckReason();
  if (stuck) return { reason: 'checkpoint_stuck', detail: stuck };
  return undefined;
}
