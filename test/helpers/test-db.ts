import { guardTransactionScope, type Db } from '../../db/client.ts';
import { openMigratedDatabase } from './migrated-db.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { TEST_NOW } from './app.ts';
import { seedReference } from './fixtures.ts';
import { DomainError } from '../../server/shared/problem.ts';

export interface TestDb {
  db: Db;
  clock: ManualClock;
}

/**
 * The use-case tier: a fresh in-memory database with every migration and the reference data, and no
 * HTTP app (tens of milliseconds instead of an app build). Rules and use cases are tested on it by
 * calling the services directly; HTTP tests keep routing, validation and authorisation. Guarded like
 * the app's (guardTransactionScope), closed when the test ends. Rows come from test/helpers/fixtures.ts.
 */
export function createTestDb(t: { teardown(fn: () => void): void }, options: { now?: string } = {}): TestDb {
  const raw = openMigratedDatabase();
  const db = guardTransactionScope(raw);
  const clock = new ManualClock(options.now ?? TEST_NOW);
  seedReference(db, clock);
  t.teardown(() => raw.$client.close());
  return { db, clock };
}

/**
 * The stable code of the domain error a use case throws, or null when it succeeds: what a refusal
 * test asserts (any other error is rethrown, so a crash never passes for a refusal).
 */
export function refusalOf(work: () => unknown): string | null {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return null;
}

/**
 * Like refusalOf, with the refused rule: "code:condition" (`cofinancing_not_eligible:buyer_type`),
 * what the programme refusals are told apart by.
 */
export function refusalConditionOf(work: () => unknown): string | null {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return `${error.code}:${String(error.extra?.condition)}`;
    throw error;
  }
  return null;
}
