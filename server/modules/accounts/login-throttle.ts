import type { Clock } from '../../shared/clock.ts';

export interface ThrottleRule {
  maxFailures: number;
  windowMs: number;
}

/**
 * Counts failed logins per key (one per account, one per IP) in a sliding window.
 * In memory on purpose: one process serves the national instance, and losing the counts on restart
 * only gives an attacker a few more tries.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly rules: { account: ThrottleRule; ip: ThrottleRule } = {
      account: { maxFailures: 5, windowMs: 15 * 60_000 },
      ip: { maxFailures: 30, windowMs: 15 * 60_000 },
    },
  ) {}

  /** Seconds to wait before the next attempt, or 0 when attempts are allowed. */
  retryAfterSeconds(email: string, ip: string): number {
    return Math.max(this.waitFor(`account:${email.toLowerCase()}`, this.rules.account), this.waitFor(`ip:${ip}`, this.rules.ip));
  }

  recordFailure(email: string, ip: string): void {
    const now = this.clock.now().getTime();
    for (const key of [`account:${email.toLowerCase()}`, `ip:${ip}`]) {
      const list = this.failures.get(key) ?? [];
      list.push(now);
      this.failures.set(key, list);
    }
  }

  recordSuccess(email: string): void {
    this.failures.delete(`account:${email.toLowerCase()}`);
  }

  private waitFor(key: string, rule: ThrottleRule): number {
    const now = this.clock.now().getTime();
    const recent = (this.failures.get(key) ?? []).filter((at) => now - at < rule.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    if (recent.length < rule.maxFailures) return 0;
    const oldestThatCounts = recent[recent.length - rule.maxFailures]!;
    return Math.max(1, Math.ceil((oldestThatCounts + rule.windowMs - now) / 1000));
  }
}
