import t from 'tap';
import { AttemptThrottle } from '../../server/shared/attempt-throttle.ts';
import { ManualClock } from '../../server/shared/clock.ts';

t.test('a key is held back after maxFailures in the window, until the oldest counted failure ages out', async (t) => {
  const clock = new ManualClock('2026-11-25T10:00:00Z');
  const throttle = new AttemptThrottle(clock, { maxFailures: 3, windowMs: 60_000 });
  throttle.recordFailure('a');
  clock.advance(10_000);
  throttle.recordFailure('a');
  t.equal(throttle.retryAfterSeconds('a'), 0, 'under the limit');
  throttle.recordFailure('a');
  t.equal(throttle.retryAfterSeconds('a'), 50, 'the first failure leaves the window in 50 s');
  t.equal(throttle.retryAfterSeconds('b'), 0, 'other keys unaffected');
  clock.advance(50_000);
  t.equal(throttle.retryAfterSeconds('a'), 0);
  throttle.recordFailure('a');
  t.equal(throttle.retryAfterSeconds('a'), 10, 'sliding: the second failure is now the oldest that counts');
  throttle.reset('a');
  t.equal(throttle.retryAfterSeconds('a'), 0, 'reset');
});

t.test('a spray of keys does not grow memory without bound', async (t) => {
  const clock = new ManualClock('2026-11-25T10:00:00Z');
  const throttle = new AttemptThrottle(clock, { maxFailures: 5, windowMs: 60_000 }, 1_000);
  for (let i = 0; i < 999; i++) throttle.recordFailure(`ip-${i}`);
  t.equal(throttle.size, 999);
  clock.advance(60_000);
  throttle.recordFailure('late');
  t.equal(throttle.size, 1, 'keys whose failures all aged out are swept');
  for (let i = 0; i < 100; i++) throttle.recordFailure('late');
  t.equal(throttle.retryAfterSeconds('late'), 60, 'a key keeps only what decides its wait');
});

t.test('rules must make sense', async (t) => {
  const clock = new ManualClock('2026-11-25T10:00:00Z');
  t.throws(() => new AttemptThrottle(clock, { maxFailures: 0, windowMs: 1000 }));
  t.throws(() => new AttemptThrottle(clock, { maxFailures: 1, windowMs: 0 }));
});
