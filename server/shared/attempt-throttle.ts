import type { Clock } from './clock.ts';

export interface ThrottleRule {
  maxFailures: number;
  windowMs: number;
}

/**
 * Counts failures per key in a sliding window and says how long a key must wait once it has had
 * `maxFailures` of them within `windowMs`. Callers choose the keys (an account, a user, an IP).
 *
 * In memory on purpose: one process serves the national instance, and losing the counts on restart
 * only gives an attacker a few more tries. Memory stays bounded under a spray of keys (many IPs):
 * a key keeps at most `maxFailures` timestamps, and keys whose failures have all aged out are swept
 * every `sweepEvery` recorded failures.
 */
export class AttemptThrottle {
  private readonly failures = new Map<string, number[]>();
  private recordsSinceSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly rule: ThrottleRule,
    private readonly sweepEvery = 10_000,
  ) {
    if (!Number.isInteger(rule.maxFailures) || rule.maxFailures < 1) throw new RangeError('maxFailures : entier ≥ 1 attendu');
    if (!(rule.windowMs > 0)) throw new RangeError('windowMs : durée positive attendue');
  }

  /** Seconds to wait before the next attempt for `key`, or 0 when attempts are allowed. */
  retryAfterSeconds(key: string): number {
    const now = this.clock.now().getTime();
    const recent = this.recent(key, now);
    if (recent.length < this.rule.maxFailures) return 0;
    const oldestThatCounts = recent[recent.length - this.rule.maxFailures]!;
    return Math.max(1, Math.ceil((oldestThatCounts + this.rule.windowMs - now) / 1000));
  }

  recordFailure(key: string): void {
    const now = this.clock.now().getTime();
    const list = this.recent(key, now);
    list.push(now);
    // Only the last maxFailures timestamps decide the wait: older ones can go.
    if (list.length > this.rule.maxFailures) list.splice(0, list.length - this.rule.maxFailures);
    this.failures.set(key, list);
    if (++this.recordsSinceSweep >= this.sweepEvery) this.sweep(now);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  /** Number of keys currently remembered (for tests and monitoring). */
  get size(): number {
    return this.failures.size;
  }

  private recent(key: string, now: number): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const firstRecent = list.findIndex((at) => now - at < this.rule.windowMs);
    if (firstRecent === -1) {
      this.failures.delete(key);
      return [];
    }
    if (firstRecent > 0) list.splice(0, firstRecent);
    return list;
  }

  private sweep(now: number): void {
    this.recordsSinceSweep = 0;
    for (const key of this.failures.keys()) this.recent(key, now);
  }
}
