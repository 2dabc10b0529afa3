import t from 'tap';
import { addMonths, parisDate, parisMonth, parisMonthRange, startOfParisDay } from '../../server/shared/paris-time.ts';

t.test('a redemption at 23:30 UTC on 31 January belongs to February in Paris', async (t) => {
  t.equal(parisMonth(new Date('2026-01-31T23:30:00Z')), '2026-02');
  t.equal(parisMonth(new Date('2026-01-31T22:59:59Z')), '2026-01');
});

t.test('31 December at 23:30 UTC is already next year in Paris', async (t) => {
  t.equal(parisDate(new Date('2026-12-31T23:30:00Z')), '2027-01-01');
  t.equal(parisMonth(new Date('2026-12-31T22:30:00Z')), '2026-12');
});

t.test('daylight-saving Sundays: the day starts at the right UTC instant', async (t) => {
  // Last Sunday of March 2026 (29th): clocks go forward at 02:00 → the day starts at 23:00 UTC the day before.
  t.equal(startOfParisDay('2026-03-29').toISOString(), '2026-03-28T23:00:00.000Z');
  t.equal(startOfParisDay('2026-03-30').toISOString(), '2026-03-29T22:00:00.000Z');
  // Last Sunday of October 2026 (25th): clocks go back at 03:00.
  t.equal(startOfParisDay('2026-10-25').toISOString(), '2026-10-24T22:00:00.000Z');
  t.equal(startOfParisDay('2026-10-26').toISOString(), '2026-10-25T23:00:00.000Z');
  t.equal(parisDate(new Date('2026-10-25T00:30:00Z')), '2026-10-25');
  t.equal(parisDate(new Date('2026-03-29T22:30:00Z')), '2026-03-30');
});

t.test('a Paris month range covers the whole month across a DST change', async (t) => {
  const { start, end } = parisMonthRange('2026-10');
  t.equal(start.toISOString(), '2026-09-30T22:00:00.000Z');
  t.equal(end.toISOString(), '2026-10-31T23:00:00.000Z');
  const dec = parisMonthRange('2026-12');
  t.equal(dec.end.toISOString(), '2026-12-31T23:00:00.000Z');
});

t.test('adding months clamps to the end of a shorter month', async (t) => {
  t.equal(addMonths('2027-01-31', 1), '2027-02-28');
  t.equal(addMonths('2026-11-25', 12), '2027-11-25');
});

t.test('parisDate, which remembers the last UTC hour, agrees with Intl at every half hour of a year, in any order', async (t) => {
  const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
  const start = Date.parse('2026-01-01T00:00:00Z');
  const instants = Array.from({ length: 2 * 24 * 366 }, (_, i) => new Date(start + i * 1800_000));
  // Forward, then shuffled: a remembered date must never leak into another hour.
  const shuffled = [...instants].sort((a, b) => ((a.getTime() * 7919) % 104729) - ((b.getTime() * 7919) % 104729));
  const wrong = [...instants, ...shuffled].filter((instant) => parisDate(instant) !== intl.format(instant));
  t.same(wrong, [], 'no instant gets another date than Intl gives');
  // Either side of the October switch (01:00 UTC) and of midnight in Paris.
  t.equal(parisDate(new Date('2026-10-24T21:59:59.999Z')), '2026-10-24');
  t.equal(parisDate(new Date('2026-10-24T22:00:00Z')), '2026-10-25');
  t.equal(parisDate(new Date('2026-10-25T22:59:59.999Z')), '2026-10-25');
  t.equal(parisDate(new Date('2026-10-25T23:00:00Z')), '2026-10-26');
});

t.test('the first of a month is written "1er", as in French', async (t) => {
  const { formatFrenchDate } = await import('../../server/shared/paris-time.ts');
  t.equal(formatFrenchDate('2026-12-01'), '1er décembre 2026');
  t.equal(formatFrenchDate('2027-01-01'), '1er janvier 2027');
  t.equal(formatFrenchDate('2026-12-11'), '11 décembre 2026', 'the 11th is not a first');
  t.equal(formatFrenchDate('2026-12-21'), '21 décembre 2026');
});

t.test('months are named in French, elided after "de" before a vowel', async (t) => {
  const { frenchMonth, ofFrenchMonth } = await import('../../server/shared/paris-time.ts');
  t.equal(frenchMonth('2026-10'), 'octobre 2026');
  t.equal(ofFrenchMonth('2026-10'), 'd’octobre 2026');
  t.equal(ofFrenchMonth('2026-04'), 'd’avril 2026');
  t.equal(ofFrenchMonth('2026-08'), 'd’août 2026');
  t.equal(ofFrenchMonth('2026-11'), 'de novembre 2026');
});
