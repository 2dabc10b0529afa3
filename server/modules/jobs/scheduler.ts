import { Cron } from 'croner';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId } from '../../shared/secrets.ts';
import { claimOccurrence, ensureTaskRow, findTaskRow, insertRun, listTaskRows, recordRunOutcome, setNextRun, type ScheduledTaskRow } from './scheduler.repository.ts';

/**
 * The service's own scheduler: daily expiry, purges, the nightly backup, and whatever another module
 * registers with `app.scheduler.register({ name, cron, run })` (the mail outbox, end-of-validity notices…).
 *
 * croner reads the cron expressions in Europe/Paris (02:30 is Paris's 02:30, summer and winter);
 * the timing itself is `tick()`, called every `tickMs` by start() and directly by tests with an
 * injected clock. Each occurrence of a task runs once across every process on the database: the
 * process that claims it (one conditional UPDATE, see claimOccurrence) runs it, the others see the
 * occurrence taken. A service down at 02:30 runs the missed occurrence once when it comes back.
 */
export interface ScheduledTask {
  name: string;
  /** Cron expression, Europe/Paris: '30 2 * * *' is every day at 02:30. */
  cron: string;
  /** Returns a short French account of what it did (logged and shown to the operator). */
  run(): Promise<string> | string;
}

export interface SchedulerOptions {
  db: Db;
  clock: Clock;
  leaseMs?: number;
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  onRun?(task: string, outcome: 'ok' | 'failed', durationMs: number): void;
}

const TIMEZONE = 'Europe/Paris';

export class Scheduler {
  readonly owner = newId();
  private readonly tasks = new Map<string, { task: ScheduledTask; cron: Cron }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<string[]> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: SchedulerOptions) {}

  register(task: ScheduledTask): void {
    if (this.tasks.has(task.name)) throw new Error(`scheduled task ${task.name} registered twice`);
    const cron = new Cron(task.cron, { timezone: TIMEZONE, paused: true });
    this.tasks.set(task.name, { task, cron });
    const now = this.options.clock.now();
    ensureTaskRow(this.options.db, { name: task.name, cron: task.cron, now: now.toISOString(), nextRunAt: cron.nextRun(now)?.toISOString() ?? null });
  }

  start(tickMs = 30_000): void {
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  /** Waits for the runs in progress (graceful shutdown), and ticks no more. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs every task whose occurrence is due and not yet claimed; resolves with the names of those this process ran. */
  tick(): Promise<string[]> {
    this.ticking ??= this.runDue().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** Every task with its last run and next run, for the operator's page. */
  list(): (ScheduledTaskRow & { registered: boolean })[] {
    return listTaskRows(this.options.db).map((row) => ({ ...row, registered: this.tasks.has(row.name) }));
  }

  private async runDue(): Promise<string[]> {
    const ran: string[] = [];
    for (const { task, cron } of this.tasks.values()) {
      const slot = this.dueOccurrence(task.name, cron);
      if (!slot) continue;
      const run = this.runOccurrence(task, cron, slot);
      this.inFlight.add(run);
      try {
        if (await run) ran.push(task.name);
      } finally {
        this.inFlight.delete(run);
      }
    }
    return ran;
  }

  /** The latest occurrence at or before now that comes after the last one claimed, if any. */
  private dueOccurrence(name: string, cron: Cron): Date | undefined {
    const row = findTaskRow(this.options.db, name);
    const now = this.options.clock.now();
    let due: Date | undefined;
    let next = cron.nextRun(row?.lastSlot ? new Date(row.lastSlot) : now);
    // A service down for days runs a missed task once, not once per missed day.
    for (let i = 0; next && next <= now && i < 10_000; i++) {
      due = next;
      next = cron.nextRun(next);
    }
    return due;
  }

  private async runOccurrence(task: ScheduledTask, cron: Cron, slot: Date): Promise<boolean> {
    const { db, clock, leaseMs = 15 * 60_000, log, onRun } = this.options;
    const startedAt = clock.now();
    const claimed = db.transaction(
      (tx) => {
        const ok = claimOccurrence(tx, {
          name: task.name,
          slot: slot.toISOString(),
          owner: this.owner,
          now: startedAt.toISOString(),
          leaseUntil: new Date(startedAt.getTime() + leaseMs).toISOString(),
        });
        return ok ? insertRun(tx, { task: task.name, slot: slot.toISOString(), owner: this.owner, startedAt: startedAt.toISOString() }) : undefined;
      },
      { behavior: 'immediate' },
    );
    if (claimed === undefined) return false;
    let outcome: 'ok' | 'failed' = 'ok';
    let detail: string;
    try {
      detail = await task.run();
    } catch (error) {
      outcome = 'failed';
      detail = (error as Error).message;
    }
    const finishedAt = clock.now();
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    const nextRunAt = cron.nextRun(finishedAt)?.toISOString() ?? null;
    db.transaction((tx) =>
      recordRunOutcome(tx, { runId: claimed, task: task.name, owner: this.owner, finishedAt: finishedAt.toISOString(), durationMs, outcome, detail: detail.slice(0, 1000), nextRunAt }),
    );
    if (outcome === 'ok') log?.info({ task: task.name, slot: slot.toISOString(), durationMs, detail }, 'scheduled task done');
    else log?.error({ task: task.name, slot: slot.toISOString(), durationMs, detail }, 'scheduled task failed');
    onRun?.(task.name, outcome, durationMs);
    return true;
  }

  /** Refreshes every task's next run (after the clock moved, or a cron changed). */
  refreshNextRuns(): void {
    const now = this.options.clock.now();
    for (const { task, cron } of this.tasks.values()) setNextRun(this.options.db, task.name, cron.nextRun(now)?.toISOString() ?? null);
  }
}
