import type { Clock } from '../../shared/clock.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { dateInFuture } from './finance.errors.ts';

/**
 * Money received or paid is a fact of the past: a payment "received" or transfers "executed" on a
 * day that has not come yet would put the books ahead of the bank. Compared as Paris calendar days.
 */
export function assertNotInFuture(clock: Clock, date: string, field: string, what: string): void {
  const today = parisDate(clock.now());
  if (date > today) {
    throw dateInFuture(what, date, today, field);
  }
}
