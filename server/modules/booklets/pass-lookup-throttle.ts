import type { Clock } from '../../shared/clock.ts';
import { AttemptThrottle, type ThrottleRule } from '../../shared/attempt-throttle.ts';

const TEN_MINUTES = 10 * 60_000;

/**
 * Failed pass lookups (mistyped, forged or unknown codes) counted per user and per IP address.
 * Codes carry a 40-bit signature, so guessing is hopeless anyway; the throttle keeps a stolen
 * account or a script from using the lookup as an oracle at scale, and leaves a place agent who
 * mistypes a few codes alone. Successful lookups are not counted.
 */
export class PassLookupThrottle {
  private readonly users: AttemptThrottle;
  private readonly ips: AttemptThrottle;

  constructor(
    clock: Clock,
    rules: { user: ThrottleRule; ip: ThrottleRule } = {
      user: { maxFailures: 20, windowMs: TEN_MINUTES },
      // Several agents of a place may share one address: a little more room per IP.
      ip: { maxFailures: 50, windowMs: TEN_MINUTES },
    },
  ) {
    this.users = new AttemptThrottle(clock, rules.user);
    this.ips = new AttemptThrottle(clock, rules.ip);
  }

  /** Seconds to wait before the next lookup, or 0. `userId` is null for anonymous callers (the public pass page). */
  retryAfterSeconds(who: { userId: string | null; ip: string }): number {
    return Math.max(who.userId === null ? 0 : this.users.retryAfterSeconds(who.userId), this.ips.retryAfterSeconds(who.ip));
  }

  recordFailure(who: { userId: string | null; ip: string }): void {
    if (who.userId !== null) this.users.recordFailure(who.userId);
    this.ips.recordFailure(who.ip);
  }
}
