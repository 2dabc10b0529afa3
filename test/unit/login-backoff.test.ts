import t from 'tap';
import { Backoff, LoginThrottle } from '../../server/modules/security/login-throttle.ts';
import { ManualClock } from '../../server/shared/clock.ts';

t.test('back-off: free failures, then a wait that doubles up to its cap, forgotten after a quiet spell', async (t) => {
  const clock = new ManualClock('2026-11-25T10:00:00.000Z');
  const backoff = new Backoff(clock, { freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 4000, forgetAfterMs: 60_000 });
  backoff.recordFailure('k');
  backoff.recordFailure('k');
  t.equal(backoff.retryAfterSeconds('k'), 1);
  backoff.recordFailure('k');
  t.equal(backoff.retryAfterSeconds('k'), 2);
  backoff.recordFailure('k');
  t.equal(backoff.retryAfterSeconds('k'), 4);
  backoff.recordFailure('k');
  t.equal(backoff.retryAfterSeconds('k'), 4, 'capped');
  clock.advance(4000);
  t.equal(backoff.retryAfterSeconds('k'), 0, 'allowed once the wait is over');
  clock.advance(60_000);
  backoff.recordFailure('k');
  t.equal(backoff.retryAfterSeconds('k'), 0, 'old failures are forgotten');
});

t.test('back-off memory stays bounded under a spray of keys', async (t) => {
  const clock = new ManualClock('2026-11-25T10:00:00.000Z');
  const backoff = new Backoff(clock, { freeFailures: 1, baseDelayMs: 1000, maxDelayMs: 1000, forgetAfterMs: 60_000 }, 100);
  for (let i = 0; i < 1000; i++) backoff.recordFailure(`ip-${i}`);
  t.equal(backoff.size, 100);
  t.ok(backoff.retryAfterSeconds('ip-999') > 0, 'the newest keys are kept');
});

t.test('many addresses guessing one account slow it down, but its owner never waits more than a minute', async (t) => {
  const clock = new ManualClock('2026-11-25T10:00:00.000Z');
  const throttle = new LoginThrottle(clock);
  for (let i = 0; i < 200; i++) throttle.recordFailure('finances@operateur.demo', `203.0.113.${i % 250}`);
  const wait = throttle.retryAfterSeconds('finances@operateur.demo', '198.51.100.1');
  t.ok(wait > 0 && wait <= 60, `the owner waits ${wait}s at most`);
});
