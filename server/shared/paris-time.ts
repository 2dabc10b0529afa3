/**
 * Business dates and months are Europe/Paris; instants are stored in UTC (ISO strings).
 * Everything here goes through Intl so daylight-saving changes are handled by the platform's tz data.
 */
const PARIS = 'Europe/Paris';

const dateParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: PARIS,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * Since 1976 Paris is UTC+1 or UTC+2 and switches at 01:00 UTC: its days start and end on UTC hour
 * boundaries, so every instant of one UTC hour has the same Paris date. The last hour's date is
 * kept: the redemption path asks for it several times a request, and Intl formatting is not free.
 */
const WHOLE_HOUR_OFFSETS_SINCE = Date.UTC(1976, 0, 1);
let memoHour = Number.NaN;
let memoDate = '';

/** The Paris calendar date of an instant, as YYYY-MM-DD. */
export function parisDate(instant: Date): string {
  const time = instant.getTime();
  const hour = Math.floor(time / 3600_000);
  if (hour === memoHour) return memoDate;
  const date = dateParts.format(instant);
  if (time >= WHOLE_HOUR_OFFSETS_SINCE) {
    memoHour = hour;
    memoDate = date;
  }
  return date;
}

/** The Paris month of an instant, as YYYY-MM. */
export function parisMonth(instant: Date): string {
  return parisDate(instant).slice(0, 7);
}

/** Offset of Paris from UTC at an instant, in minutes (60 in winter, 120 in summer). */
function parisOffsetMinutes(instant: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: PARIS,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/** The UTC instant at which a Paris calendar day (YYYY-MM-DD) starts. */
export function startOfParisDay(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = new Date(Date.UTC(y, m - 1, d, 0, 0, 0));
  // Midnight Paris is UTC minus the offset; the offset at the guess is right except across a DST switch at midnight (never in France).
  const offset = parisOffsetMinutes(new Date(guess.getTime() - 2 * 3600_000));
  return new Date(guess.getTime() - offset * 60_000);
}

/** [start, end) instants of a Paris month YYYY-MM. */
export function parisMonthRange(month: string): { start: Date; end: Date } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { start: startOfParisDay(`${month}-01`), end: startOfParisDay(next) };
}

/** Adds whole days to a calendar date (YYYY-MM-DD), calendar arithmetic only. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Adds calendar months to a date, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

const longDate = new Intl.DateTimeFormat('fr-FR', { timeZone: PARIS, day: 'numeric', month: 'long', year: 'numeric' });
const dateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: PARIS, dateStyle: 'short', timeStyle: 'short' });

/** "25 novembre 2026" for a calendar date; the first of the month is written "1er" (French typography). */
export function formatFrenchDate(date: string): string {
  // Checked here rather than trusted: a printed booklet must never carry a date JavaScript guessed.
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T12:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(instant.getTime()) || instant.toISOString().slice(0, 10) !== date) throw new RangeError(`date AAAA-MM-JJ attendue : ${date}`);
  return longDate.format(instant).replace(/^1 /, '1er ');
}

/** "25/11/2026 11:00" (Paris) for an instant. */
export function formatFrenchDateTime(instant: Date | string): string {
  return dateTime.format(new Date(instant));
}

const FRENCH_MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

/** "2026-10" → "octobre 2026". */
export function frenchMonth(period: string): string {
  return `${FRENCH_MONTHS[Number(period.slice(5, 7)) - 1]} ${period.slice(0, 4)}`;
}

/** "de novembre 2026", "d’octobre 2026": the month after "de", elided before a vowel as French writes it. */
export function ofFrenchMonth(period: string): string {
  return afterDe(frenchMonth(period));
}

/** "de novembre 2026", "d’octobre 2026": "de" before a word, elided before a vowel. */
export function afterDe(words: string): string {
  return /^[aeiouéèêàâîôûœ]/i.test(words) ? `d’${words}` : `de ${words}`;
}
