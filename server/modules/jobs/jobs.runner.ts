import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db, Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { claimNextJob, markJobFailed, recordProgress, releaseJob, type JobRow } from './jobs.repository.ts';

/**
 * Runs jobs in chunks on the service's own connection.
 *
 * better-sqlite3 runs on the event loop: one transaction over 200 000 passes stops every request
 * for seconds. A job here is a sequence of steps, each one short transaction that also records the
 * progress and extends the lease, with a turn of the event loop between steps, so that lookups and
 * redemptions are served between chunks. A process killed mid-way loses at most the step it was in
 * (rolled back by SQLite): the next process that takes the job once the lease has run out resumes at
 * the first step not committed. A handler's step must therefore work out where it is from the
 * database (what it already wrote), never from memory.
 */
export interface StepResult {
  done: number;
  total: number;
  finished: boolean;
}

export interface JobHandler {
  kind: string;
  /** One chunk of work, inside the transaction given; reads its position from the database. */
  step(input: { tx: Tx; job: JobRow; clock: Clock }): StepResult;
}

/**
 * A job whose work is one asynchronous pass (a PDF renderer that yields between booklets): it
 * commits its chunks and progress through `commit`, each a short transaction, and cannot resume
 * from the middle (its state is in memory): a new attempt starts over, so its first commit must
 * discard what an earlier attempt wrote. `commit` throws once the runner is stopping (the job is
 * given back and restarted by the next process) or when the lease was lost.
 */
export interface StreamJobHandler {
  kind: string;
  run(input: { job: JobRow; clock: Clock; commit(work: (tx: Tx) => StepResult): StepResult }): Promise<void>;
}

export interface JobEvents {
  onFinished?(job: JobRow, outcome: 'done' | 'failed', error?: string): void;
}

export interface JobRunnerOptions extends JobEvents {
  db: Db;
  clock: Clock;
  /** How long a claim holds without a step: past it, another process may resume the job. */
  leaseMs?: number;
  /** How often an idle runner looks for jobs queued by another process. */
  pollMs?: number;
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export class JobRunner {
  readonly owner = newId();
  private readonly handlers = new Map<string, JobHandler | StreamJobHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private started = false;

  constructor(private readonly options: JobRunnerOptions) {}

  register(handler: JobHandler | StreamJobHandler): void {
    this.handlers.set(handler.kind, handler);
  }

  /** Polls for work until stop(); a job queued by this process is started at once by wake(). */
  start(): void {
    const { pollMs = 1000 } = this.options;
    this.started = true;
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  /** In a started runner (JOBS not false), runs every available job to its end (or to a safe point when stopping). */
  wake(): Promise<void> {
    if (!this.started) return Promise.resolve();
    return this.drainOnce();
  }

  /** For tests and scripts: runs everything queued, then resolves. */
  async runUntilIdle(): Promise<void> {
    while (this.running) await this.running;
    await this.drainOnce();
  }

  private drainOnce(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Lets the job in progress finish its current step, gives it back, and stops polling. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    const { db, clock, leaseMs = 30_000 } = this.options;
    for (;;) {
      const job = db.transaction((tx) => claimNextJob(tx, { owner: this.owner, now: clock.now(), leaseMs, kinds: [...this.handlers.keys()] }), {
        behavior: 'immediate',
      });
      if (!job) return;
      await this.run(job, leaseMs);
      if (this.stopping) return;
    }
  }

  /** One short transaction: the handler's work and its progress, or nothing if the lease was lost. */
  private commitStep(job: JobRow, leaseMs: number, work: (tx: Tx) => StepResult): StepResult {
    const { db, clock } = this.options;
    return db.transaction(
      (tx) => {
        const step = work(tx);
        if (!recordProgress(tx, { jobId: job.id, owner: this.owner, ...step, now: clock.now(), leaseMs })) throw new LeaseLost();
        return step;
      },
      { behavior: 'immediate' },
    );
  }

  private fail(job: JobRow, error: unknown): void {
    const { db, clock, log, onFinished } = this.options;
    const message = error instanceof DomainError ? error.message : `Erreur interne : ${(error as Error).message}`;
    db.transaction((tx) => markJobFailed(tx, { jobId: job.id, owner: this.owner, error: message, now: clock.now() }));
    log?.error({ jobId: job.id, kind: job.kind, err: error }, 'job failed');
    onFinished?.(job, 'failed', message);
  }

  private async runStream(job: JobRow, handler: StreamJobHandler, leaseMs: number): Promise<void> {
    const { db, clock, log, onFinished } = this.options;
    let last: StepResult | undefined;
    try {
      await handler.run({
        job,
        clock,
        commit: (work) => {
          if (this.stopping) throw new Paused();
          last = this.commitStep(job, leaseMs, work);
          return last;
        },
      });
      if (!last?.finished) throw new Error('le travail s’est terminé sans enregistrer sa fin');
    } catch (error) {
      if (error instanceof LeaseLost) return void log?.info({ jobId: job.id, kind: job.kind }, 'job lease taken by another process: step rolled back');
      if (error instanceof Paused) {
        db.transaction((tx) => releaseJob(tx, { jobId: job.id, owner: this.owner }));
        return void log?.info({ jobId: job.id, kind: job.kind }, 'job given back for shutdown: it starts over in the next process');
      }
      return this.fail(job, error);
    }
    log?.info({ jobId: job.id, kind: job.kind, done: last.done, total: last.total }, 'job done');
    onFinished?.(job, 'done');
  }

  private async run(job: JobRow, leaseMs: number): Promise<void> {
    const { db, log, onFinished } = this.options;
    const handler = this.handlers.get(job.kind)!;
    log?.info({ jobId: job.id, kind: job.kind, attempt: job.attempts, done: job.progressDone, total: job.progressTotal }, 'job started');
    if ('run' in handler) return this.runStream(job, handler, leaseMs);
    for (;;) {
      if (this.stopping) {
        db.transaction((tx) => releaseJob(tx, { jobId: job.id, owner: this.owner }));
        log?.info({ jobId: job.id, kind: job.kind }, 'job paused at a safe point for shutdown');
        return;
      }
      let result: StepResult;
      try {
        result = this.commitStep(job, leaseMs, (tx) => handler.step({ tx, job, clock: this.options.clock }));
      } catch (error) {
        if (error instanceof LeaseLost) {
          log?.info({ jobId: job.id, kind: job.kind }, 'job lease taken by another process: step rolled back');
          return;
        }
        return this.fail(job, error);
      }
      if (result.finished) {
        log?.info({ jobId: job.id, kind: job.kind, done: result.done, total: result.total }, 'job done');
        onFinished?.(job, 'done');
        return;
      }
      // Lets the requests that arrived during the step be served before the next one.
      await nextTurn();
    }
  }
}

class LeaseLost extends Error {}
class Paused extends Error {}
