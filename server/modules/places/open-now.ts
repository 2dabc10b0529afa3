/**
 * "Ouvert maintenant": whether OSM opening hours say a site is open at a given Paris wall-clock
 * time, for the common weekly subset (weekdays, time spans, overnight spans, `off`/`closed`, 24/7).
 * Rules are applied in order and a later rule replaces what earlier ones said for the days it
 * names, as in OSM. Anything this subset cannot decide (public or school holidays, months, weeks,
 * open ends, sunrise…) answers null: the page then shows the hours without claiming open or closed.
 */

const DAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'] as const;
const CLOCK = /^(\d{1,2}):([0-5]\d)$/;

type Span = [start: number, end: number];

/** Days (0 = Monday) a weekday selector names, or null when it uses something outside the subset. */
function daysOf(selector: string): Set<number> | null {
  const days = new Set<number>();
  for (const item of selector.split(',')) {
    const [from, to] = item.split('-');
    const a = DAYS.indexOf(from as (typeof DAYS)[number]);
    const b = to === undefined ? a : DAYS.indexOf(to as (typeof DAYS)[number]);
    if (a < 0 || b < 0) return null;
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  return days;
}

function minutes(clock: string): number | null {
  const m = CLOCK.exec(clock);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** `09:00-12:00,14:00-18:30` → spans in minutes; an end before its start runs past midnight. */
function spansOf(times: string): Span[] | null {
  const spans: Span[] = [];
  for (const span of times.split(',')) {
    const [from, to, extra] = span.split('-');
    if (to === undefined || extra !== undefined) return null;
    const start = minutes(from!);
    let end = minutes(to);
    if (start === null || end === null || start > 24 * 60 || end > 48 * 60) return null;
    if (end <= start) end += 24 * 60;
    spans.push([start, end]);
  }
  return spans;
}

/** The spans of each weekday after applying every rule, or null when a rule is outside the subset. */
function weeklySpans(value: string): Span[][] | null {
  const week: Span[][] = DAYS.map(() => []);
  for (const raw of value.split(/\s*;\s*/).filter(Boolean)) {
    const rule = raw.trim();
    if (rule === '24/7') {
      for (let d = 0; d < 7; d++) week[d] = [[0, 24 * 60]];
      continue;
    }
    const m = /^(?:([A-Za-z,-]+)\s+)?(.+)$/.exec(rule);
    if (!m) return null;
    let [, selector, rest] = m as unknown as [string, string | undefined, string];
    // "Mo-Fr" alone or "off" alone: the whole token is in `rest`.
    if (selector === undefined && /^[A-Z][a-z]([,-][A-Z][a-z])*$/.test(rest)) [selector, rest] = [rest, 'open'];
    const days = selector === undefined ? new Set([0, 1, 2, 3, 4, 5, 6]) : daysOf(selector);
    if (!days) return null;
    let spans: Span[] | null;
    if (rest === 'off' || rest === 'closed') spans = [];
    else if (rest === 'open') spans = [[0, 24 * 60]];
    else spans = spansOf(rest.replace(/\s+/g, ''));
    if (!spans) return null;
    for (const d of days) week[d] = spans;
  }
  return week;
}

/** Monday = 0 … Sunday = 6, and minutes since midnight, of an instant in Paris. */
const parisClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

export function parisWeekTime(instant: Date): { day: number; minute: number } {
  const parts = parisClock.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAY_INDEX[get('weekday')] ?? 0, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** true open, false closed, null when the hours are missing or cannot be decided. */
export function isOpenAt(value: string | null | undefined, instant: Date): boolean | null {
  if (!value) return null;
  const week = weeklySpans(value.trim());
  if (!week) return null;
  const { day, minute } = parisWeekTime(instant);
  if (week[day]!.some(([start, end]) => minute >= start && minute < end)) return true;
  // Yesterday's spans that run past midnight.
  const yesterday = week[(day + 6) % 7]!;
  return yesterday.some(([start, end]) => end > 24 * 60 && minute + 24 * 60 >= start && minute + 24 * 60 < end);
}
