import t from 'tap';
import { addFrenchWorkingDays, easterSunday, frenchPublicHolidays, isFrenchWorkingDay } from '../../server/shared/french-holidays.ts';

t.test('Easter Sunday, checked against published dates', async (t) => {
  for (const [year, date] of [[2024, '2024-03-31'], [2025, '2025-04-20'], [2026, '2026-04-05'], [2027, '2027-03-28'], [2038, '2038-04-25']] as const) {
    t.equal(easterSunday(year), date, `${year}`);
  }
});

t.test('the eleven French public holidays of 2026', async (t) => {
  t.same([...frenchPublicHolidays(2026)].sort(), [
    '2026-01-01', '2026-04-06', '2026-05-01', '2026-05-08', '2026-05-14', '2026-05-25', '2026-07-14', '2026-08-15', '2026-11-01', '2026-11-11', '2026-12-25',
  ]);
});

t.test('working days skip weekends and public holidays', async (t) => {
  t.notOk(isFrenchWorkingDay('2026-11-28'), 'a Saturday');
  t.notOk(isFrenchWorkingDay('2026-11-11'), 'Armistice, a Wednesday');
  t.ok(isFrenchWorkingDay('2026-11-12'));
  t.equal(addFrenchWorkingDays('2026-11-25', 3), '2026-11-30', 'Wednesday + 3: over the weekend');
  t.equal(addFrenchWorkingDays('2026-11-10', 3), '2026-11-16', 'over 11 November and the weekend');
  t.equal(addFrenchWorkingDays('2026-12-22', 3), '2026-12-28', 'over Christmas');
  t.equal(addFrenchWorkingDays('2026-05-13', 1), '2026-05-15', 'over Ascension Thursday');
});
