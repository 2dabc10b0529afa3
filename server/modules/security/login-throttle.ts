import type { Clock } from '../../shared/clock.ts';

export interface BackoffRule {
  /** Failures allowed before any wait. */
  freeFailures: number;
  /** Wait after the first failure past the free ones; doubled by each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten this long after the last one. */
  forgetAfterMs: number;
}

/**
 * Exponential back-off per key: past `freeFailures`, each failure doubles the wait before the next
 * attempt, up to `maxDelayMs`. Attempts made during the wait are refused without counting, so a
 * caller cannot lengthen someone else's wait by hammering. In memory (one process serves the
 * national instance); bounded: past `maxKeys`, the oldest keys are dropped first.
 */
export class Backoff {
  private readonly entries = new Map<string, { failures: number; lastMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly rule: BackoffRule,
    private readonly maxKeys = 100_000,
  ) {}

  retryAfterSeconds(key: string): number {
    const now = this.clock.now().getTime();
    const entry = this.live(key, now);
    if (!entry || entry.failures < this.rule.freeFailures) return 0;
    const wait = entry.lastMs + this.delayMs(entry.failures) - now;
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  /** Counts one failure; returns the number of failures now remembered for the key. */
  recordFailure(key: string): number {
    const now = this.clock.now().getTime();
    const failures = (this.live(key, now)?.failures ?? 0) + 1;
    // Deleted then set: the Map's order stays the order of last failure, oldest first.
    this.entries.delete(key);
    this.entries.set(key, { failures, lastMs: now });
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    return failures;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private delayMs(failures: number): number {
    const doublings = Math.min(30, failures - this.rule.freeFailures);
    return Math.min(this.rule.maxDelayMs, this.rule.baseDelayMs * 2 ** doublings);
  }

  private live(key: string, now: number) {
    const entry = this.entries.get(key);
    if (entry && now - entry.lastMs >= this.rule.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

const FORGET_AFTER_MS = 15 * 60_000;

/** How many failures against one account, from anywhere, make its owner receive a notice. */
export const NOTICE_AFTER_FAILURES = 5;

/**
 * Failed logins slow down the attacker, never lock the owner out:
 * - per account and address: past 5 failures, 2 s then doubling up to 15 min: one address guessing
 *   one password;
 * - per address: past 30 failures on any accounts, the same: one address spraying many accounts;
 * - per account from anywhere: past 20 failures, 1 s then doubling up to 1 min only: many addresses
 *   guessing one password are slowed, yet its owner gets in within a minute whatever they do.
 * The right password from another address after 5 wrong ones therefore works at once. A success
 * clears the account's counts, not the address's: owning one account must not reset a spray.
 */
export class LoginThrottle {
  private readonly pairs: Backoff;
  private readonly ips: Backoff;
  private readonly accounts: Backoff;

  constructor(clock: Clock) {
    this.pairs = new Backoff(clock, { freeFailures: 5, baseDelayMs: 2000, maxDelayMs: 15 * 60_000, forgetAfterMs: FORGET_AFTER_MS });
    this.ips = new Backoff(clock, { freeFailures: 30, baseDelayMs: 2000, maxDelayMs: 15 * 60_000, forgetAfterMs: FORGET_AFTER_MS });
    this.accounts = new Backoff(clock, { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: FORGET_AFTER_MS });
  }

  /** Seconds to wait before the next attempt, or 0 when attempts are allowed. */
  retryAfterSeconds(email: string, ip: string): number {
    const account = email.toLowerCase();
    return Math.max(
      this.pairs.retryAfterSeconds(`${account} ${ip}`),
      this.ips.retryAfterSeconds(ip),
      this.accounts.retryAfterSeconds(account),
    );
  }

  /** Counts a failure; returns the account's failures from anywhere (for the owner's notice). */
  recordFailure(email: string, ip: string): number {
    const account = email.toLowerCase();
    this.pairs.recordFailure(`${account} ${ip}`);
    this.ips.recordFailure(ip);
    return this.accounts.recordFailure(account);
  }

  recordSuccess(email: string, ip: string): void {
    const account = email.toLowerCase();
    this.pairs.reset(`${account} ${ip}`);
    this.accounts.reset(account);
  }
}
