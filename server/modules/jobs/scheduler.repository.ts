import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { scheduledRuns, scheduledTasks } from '../../../db/schema/jobs.ts';

export type ScheduledTaskRow = typeof scheduledTasks.$inferSelect;

/** Creates the task's row on first registration; its first occurrence is the next one after `now` (no run at boot). */
export function ensureTaskRow(tx: DbOrTx, input: { name: string; cron: string; now: string; nextRunAt: string | null }): void {
  tx.insert(scheduledTasks)
    .values({ name: input.name, cron: input.cron, lastSlot: input.now, nextRunAt: input.nextRunAt })
    .onConflictDoUpdate({ target: scheduledTasks.name, set: { cron: input.cron } })
    .run();
}

export function findTaskRow(tx: DbOrTx, name: string): ScheduledTaskRow | undefined {
  return tx.select().from(scheduledTasks).where(eq(scheduledTasks.name, name)).get();
}

/**
 * Claims one occurrence of a task, in one statement: the row changes only if nobody claimed this
 * occurrence (or a later one) yet and no live lease is held. Two processes ticking at the same
 * instant on the same database: exactly one of them gets `true`.
 */
export function claimOccurrence(tx: DbOrTx, input: { name: string; slot: string; owner: string; now: string; leaseUntil: string }): boolean {
  const result = tx.run(sql`
    UPDATE scheduled_tasks SET last_slot = ${input.slot}, lease_owner = ${input.owner}, lease_until = ${input.leaseUntil}, last_started_at = ${input.now}
    WHERE name = ${input.name} AND (last_slot IS NULL OR last_slot < ${input.slot}) AND (lease_until IS NULL OR lease_until < ${input.now})`);
  return result.changes === 1;
}

export function insertRun(tx: DbOrTx, input: { task: string; slot: string; owner: string; startedAt: string }): number {
  return tx.insert(scheduledRuns).values(input).returning({ id: scheduledRuns.id }).get().id;
}

export function recordRunOutcome(
  tx: DbOrTx,
  input: { runId: number; task: string; owner: string; finishedAt: string; durationMs: number; outcome: 'ok' | 'failed'; detail: string; nextRunAt: string | null },
): void {
  const { runId, task, owner, finishedAt, durationMs, outcome, detail, nextRunAt } = input;
  tx.update(scheduledRuns).set({ finishedAt, durationMs, outcome, detail }).where(eq(scheduledRuns.id, runId)).run();
  tx.run(sql`
    UPDATE scheduled_tasks SET lease_owner = NULL, lease_until = NULL, last_finished_at = ${finishedAt}, last_duration_ms = ${durationMs},
      last_outcome = ${outcome}, last_detail = ${detail}, next_run_at = ${nextRunAt}
    WHERE name = ${task} AND lease_owner = ${owner}`);
}

export function setNextRun(tx: DbOrTx, name: string, nextRunAt: string | null): void {
  tx.update(scheduledTasks).set({ nextRunAt }).where(eq(scheduledTasks.name, name)).run();
}

export function listTaskRows(tx: DbOrTx): ScheduledTaskRow[] {
  return tx.select().from(scheduledTasks).orderBy(scheduledTasks.name).all();
}

export function runsOf(tx: DbOrTx, task: string) {
  return tx.select().from(scheduledRuns).where(eq(scheduledRuns.task, task)).orderBy(scheduledRuns.id).all();
}
