import { PassLookupThrottle } from '../booklets/pass-lookup-throttle.ts';
import { DomainError } from '../../shared/problem.ts';
import { tooManyPassLookups } from '../booklets/booklets.errors.ts';

export { PassLookupThrottle };

/**
 * Runs a lookup by pass code (redeem or check) under the failed-lookup throttle: refused with 429
 * while the user or the IP address has too many recent unknown codes, and every `pass_not_found`
 * counts. Redemption, the place's check and the booklets lookup share the same rules and code.
 * `run` may return a promise (a redemption waits for its group commit): its refusal counts too.
 */
export function underLookupThrottle<T>(throttle: PassLookupThrottle, who: { userId: string | null; ip: string }, run: () => T): T {
  const wait = throttle.retryAfterSeconds(who);
  if (wait > 0) {
    throw tooManyPassLookups(wait);
  }
  const counted = (error: unknown): never => {
    if (error instanceof DomainError && error.code === 'pass_not_found') throttle.recordFailure(who);
    throw error;
  };
  try {
    const result = run();
    return (result instanceof Promise ? result.catch(counted) : result) as T;
  } catch (error) {
    return counted(error);
  }
}
