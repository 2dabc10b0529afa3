import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { withLock } from '../../db/locks.ts';

/**
 * Next value of a named sequence, in the caller's transaction. The row is incremented in place,
 * so a rolled-back transaction gives its number back: numbers stay gapless and unique under concurrency
 * (one writer per sequence at a time: see withLock; callers use immediate transactions).
 */
export function nextSequenceValue(tx: DbOrTx, name: string): number {
  return withLock(`sequence:${name}`, tx, () => {
    const row = tx.get<{ value: number }>(
      sql`INSERT INTO sequences (name, value) VALUES (${name}, 1)
          ON CONFLICT(name) DO UPDATE SET value = value + 1
          RETURNING value`,
    );
    return row.value;
  });
}

/** FAC-2026-000042: prefix, Paris year, six-digit gapless counter per prefix and year. */
export function nextDocumentNumber(tx: DbOrTx, prefix: string, year: string): string {
  const value = nextSequenceValue(tx, `${prefix}-${year}`);
  return `${prefix}-${year}-${String(value).padStart(6, '0')}`;
}
