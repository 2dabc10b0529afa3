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

/**
 * Reserves `count` consecutive values of a sequence in one statement and returns the first: a
 * batch numbering a thousand statements, or an order numbering twenty thousand booklets, takes one
 * write instead of one per number. Gapless like nextSequenceValue.
 */
export function reserveSequenceRange(tx: DbOrTx, name: string, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`reserveSequenceRange(${name}): count must be a positive integer, got ${count}`);
  return withLock(`sequence:${name}`, tx, () => {
    const row = tx.get<{ value: number }>(
      sql`INSERT INTO sequences (name, value) VALUES (${name}, ${count})
          ON CONFLICT(name) DO UPDATE SET value = value + ${count}
          RETURNING value`,
    );
    return row.value - count + 1;
  });
}

/** FAC-2026-000042: prefix, Paris year, six-digit gapless counter per prefix and year. */
export function nextDocumentNumber(tx: DbOrTx, prefix: string, year: string): string {
  const value = nextSequenceValue(tx, `${prefix}-${year}`);
  return `${prefix}-${year}-${String(value).padStart(6, '0')}`;
}
