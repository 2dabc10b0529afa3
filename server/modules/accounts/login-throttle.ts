import type { Clock } from '../../shared/clock.ts';
import { AttemptThrottle, type ThrottleRule } from '../../shared/attempt-throttle.ts';

export type { ThrottleRule };

/**
 * Failed logins counted per account (a password guessed slowly) and per IP (one address spraying
 * many accounts). A success clears the account's count, not the IP's: an attacker who owns one
 * account must not be able to reset the counter they are spraying from.
 */
export class LoginThrottle {
  private readonly accounts: AttemptThrottle;
  private readonly ips: AttemptThrottle;

  constructor(
    clock: Clock,
    rules: { account: ThrottleRule; ip: ThrottleRule } = {
      account: { maxFailures: 5, windowMs: 15 * 60_000 },
      ip: { maxFailures: 30, windowMs: 15 * 60_000 },
    },
  ) {
    this.accounts = new AttemptThrottle(clock, rules.account);
    this.ips = new AttemptThrottle(clock, rules.ip);
  }

  /** Seconds to wait before the next attempt, or 0 when attempts are allowed. */
  retryAfterSeconds(email: string, ip: string): number {
    return Math.max(this.accounts.retryAfterSeconds(email.toLowerCase()), this.ips.retryAfterSeconds(ip));
  }

  recordFailure(email: string, ip: string): void {
    this.accounts.recordFailure(email.toLowerCase());
    this.ips.recordFailure(ip);
  }

  recordSuccess(email: string): void {
    this.accounts.reset(email.toLowerCase());
  }
}
