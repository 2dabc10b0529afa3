/**
 * French public holidays (the eleven of the Code du travail, art. L3133-1, as observed in
 * metropolitan France; Alsace-Moselle's Good Friday and 26 December are not counted) and the
 * working days they leave: Monday to Friday, holidays excepted. Dates are Europe/Paris calendar
 * days as 'YYYY-MM-DD' strings, like everywhere in the code.
 */
import { addDays } from './paris-time.ts';

/** Easter Sunday of the Gregorian calendar (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const cache = new Map<number, ReadonlySet<string>>();

export function frenchPublicHolidays(year: number): ReadonlySet<string> {
  let days = cache.get(year);
  if (!days) {
    const easter = easterSunday(year);
    const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'].map((md) => `${year}-${md}`);
    // Easter Monday, Ascension Thursday, Whit Monday.
    days = new Set([...fixed, addDays(easter, 1), addDays(easter, 39), addDays(easter, 50)]);
    cache.set(year, days);
  }
  return days;
}

export function isFrenchWorkingDay(date: string): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !frenchPublicHolidays(Number(date.slice(0, 4))).has(date);
}

/** The date `days` working days after `date` (the start day itself is not counted). */
export function addFrenchWorkingDays(date: string, days: number): string {
  let d = date;
  for (let added = 0; added < days; ) {
    d = addDays(d, 1);
    if (isFrenchWorkingDay(d)) added++;
  }
  return d;
}
