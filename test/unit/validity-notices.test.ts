import t from 'tap';
import { validityNoticeDue } from '../../server/modules/oversight/validity-notices.ts';

t.test('the end-of-validity calendar says which notice is due: the alert from J-30, the stop notice from J-15, nothing once over', async (t) => {
  const validUntil = '2026-12-31';
  t.equal(validityNoticeDue('2026-11-30', validUntil), null, 'J-31: nothing yet');
  t.equal(validityNoticeDue('2026-12-01', validUntil), 'validity_alert', 'J-30');
  t.equal(validityNoticeDue('2026-12-15', validUntil), 'validity_alert', 'J-16');
  t.equal(validityNoticeDue('2026-12-16', validUntil), 'validity_stop', 'J-15');
  t.equal(validityNoticeDue('2026-12-21', validUntil), 'validity_stop', 'an order first seen at J-10 gets the stop notice, not a stale alert');
  t.equal(validityNoticeDue('2026-12-31', validUntil), null, 'the last day: too late to tell');
});
