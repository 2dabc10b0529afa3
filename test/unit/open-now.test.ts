import t from 'tap';
import { isOpenAt } from '../../server/modules/places/open-now.ts';

// 2026-11-25 is a Wednesday; Paris is UTC+1 in winter.
const paris = (date: string, time: string) => new Date(`${date}T${time}:00+01:00`);

t.test('weekday spans, several per day, closed days', async (t) => {
  const hours = 'Mo-Fr 09:00-12:00,14:00-18:30; Sa 09:00-12:00';
  t.equal(isOpenAt(hours, paris('2026-11-25', '09:00')), true, 'opening minute');
  t.equal(isOpenAt(hours, paris('2026-11-25', '12:00')), false, 'closing minute');
  t.equal(isOpenAt(hours, paris('2026-11-25', '13:00')), false, 'lunch break');
  t.equal(isOpenAt(hours, paris('2026-11-28', '10:00')), true, 'Saturday morning');
  t.equal(isOpenAt(hours, paris('2026-11-29', '10:00')), false, 'Sunday');
});

t.test('later rules replace earlier ones for their days; overnight spans; 24/7', async (t) => {
  t.equal(isOpenAt('Mo-Fr 09:00-17:00; We off', paris('2026-11-25', '10:00')), false);
  t.equal(isOpenAt('Mo-Fr 09:00-17:00; We off', paris('2026-11-26', '10:00')), true);
  t.equal(isOpenAt('Fr 20:00-02:00', paris('2026-11-28', '01:00')), true, 'Friday night, after midnight');
  t.equal(isOpenAt('Fr 20:00-02:00', paris('2026-11-28', '03:00')), false);
  t.equal(isOpenAt('24/7', paris('2026-11-29', '04:00')), true);
  t.equal(isOpenAt('Su-Tu 10:00-11:00', paris('2026-11-23', '10:30')), true, 'a range across the week end');
});

t.test('what the subset cannot decide answers null, never a guess', async (t) => {
  t.equal(isOpenAt(null, paris('2026-11-25', '10:00')), null);
  t.equal(isOpenAt('Mo-Fr 09:00-17:00; PH off', paris('2026-11-25', '10:00')), null, 'public holidays');
  t.equal(isOpenAt('Jan-Mar Mo 10:00-12:00', paris('2026-11-23', '10:30')), null, 'months');
  t.equal(isOpenAt('Mo 14:00+', paris('2026-11-23', '15:00')), null, 'open end');
  t.equal(isOpenAt('Mo[1] 10:00-12:00', paris('2026-11-02', '10:30')), null, 'nth weekday');
});
