/**
 * A light check of OpenStreetMap `opening_hours` strings, the format of the `horaires` column of
 * the digital-mediation places standard. The full parser (`opening_hours` on npm) is LGPL and pulls
 * in i18next; we only need to refuse obvious typos on the form and to show hours in French, so this
 * recognises the common subset: years, months and dates, weeks, weekdays (with [n] and PH/SH),
 * time spans (with events, open ends and overnight hours), modifiers and comments.
 * Anything outside that subset is refused with the rule that was not understood.
 */

const WEEKDAY = '(?:Mo|Tu|We|Th|Fr|Sa|Su)';
const NTH = '\\[-?[1-5](?:-[1-5])?(?:,-?[1-5](?:-[1-5])?)*\\]';
const WEEKDAY_ITEM = `(?:${WEEKDAY}(?:-${WEEKDAY})?(?:${NTH})?|PH|SH)`;
const WEEKDAYS = `${WEEKDAY_ITEM}(?:,${WEEKDAY_ITEM})*`;
const CLOCK = '(?:[0-4]?\\d):[0-5]\\d';
const EVENT = '(?:sunrise|sunset|dawn|dusk)';
const TIME = `(?:${CLOCK}|${EVENT})`;
const SPAN = `${TIME}(?:-${TIME}(?:/\\d+)?\\+?|\\+)?`;
const TIMES = `${SPAN}(?:,${SPAN})*`;
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const DATE = `(?:\\d{4} )?${MONTH}(?: \\d{1,2})?`;
const MONTH_ITEM = `${DATE}(?:-(?:${DATE}|\\d{1,2}))?`;
const MONTHS = `${MONTH_ITEM}(?:,${MONTH_ITEM})*`;
const YEARS = '\\d{4}(?:-\\d{4})?(?:,\\d{4}(?:-\\d{4})?)*';
const WEEKS = 'week ?\\d{1,2}(?:-\\d{1,2})?(?:/\\d)?(?:,\\d{1,2}(?:-\\d{1,2})?)*';
const MODIFIER = '(?:open|closed|off|unknown)';
const COMMENT = '"[^"]{0,200}"';

const RULE = new RegExp(
  `^(?:(?<years>${YEARS})\\s+)?(?:(?<months>${MONTHS}):?\\s*)?(?:(?<weeks>${WEEKS}):?\\s*)?(?:(?<weekdays>${WEEKDAYS}):?\\s*)?(?<times>${TIMES})?\\s*(?<modifier>${MODIFIER})?\\s*(?<comment>${COMMENT})?$`,
);

const MAX_LENGTH = 500;

export type OpeningHoursCheck = { ok: true; value: string } | { ok: false; message: string };

const EXAMPLE = '« Mo-Fr 09:00-12:00,14:00-18:30; Sa 09:00-12:00 »';

/** Rules are separated by `;` (normal) or `||` (fallback); commas stay inside selectors. */
function splitRules(value: string): string[] {
  return value.split(/\s*(?:;|\|\|)\s*/).filter((r) => r !== '');
}

function clockMinutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function checkRule(rule: string): boolean {
  if (rule === '24/7') return true;
  const match = RULE.exec(rule);
  if (!match?.groups) return false;
  const g = match.groups;
  if (!g.years && !g.months && !g.weeks && !g.weekdays && !g.times && !g.modifier && !g.comment) return false;
  // Hours run to 48:00 so that "Fr 22:00-26:00" can say "until 2 a.m. on Saturday".
  for (const clock of (g.times ?? '').match(new RegExp(CLOCK, 'g')) ?? []) if (clockMinutes(clock) > 48 * 60) return false;
  return true;
}

export function checkOpeningHours(input: string): OpeningHoursCheck {
  const value = input.replace(/\s+/g, ' ').trim();
  if (value === '') return { ok: false, message: `horaires vides : laissez le champ vide ou écrivez-les au format OpenStreetMap, par exemple ${EXAMPLE}` };
  if (value.length > MAX_LENGTH) return { ok: false, message: `horaires trop longs (${MAX_LENGTH} caractères au maximum)` };
  const rules = splitRules(value);
  for (const [i, rule] of rules.entries()) {
    if (!checkRule(rule)) {
      return { ok: false, message: `horaires au format OpenStreetMap attendus, par exemple ${EXAMPLE} : la règle ${i + 1} « ${rule.slice(0, 60)} » n’est pas comprise` };
    }
  }
  return { ok: true, value: rules.join('; ') };
}

const DAY_NAMES: Record<string, string> = { Mo: 'lundi', Tu: 'mardi', We: 'mercredi', Th: 'jeudi', Fr: 'vendredi', Sa: 'samedi', Su: 'dimanche' };

function frenchWeekdays(selector: string): string {
  return selector
    .split(',')
    .map((item) => {
      if (item === 'PH') return 'jours fériés';
      if (item === 'SH') return 'vacances scolaires';
      const [from, to] = item.replace(/\[.*\]$/, '').split('-') as [string, string?];
      return to ? `du ${DAY_NAMES[from] ?? from} au ${DAY_NAMES[to] ?? to}` : (DAY_NAMES[from] ?? from);
    })
    .join(', ');
}

function frenchTimes(selector: string): string {
  return selector
    .split(',')
    .map((span) => span.replace(/^(\d):/, '0$1:').replace('-', ' – ').replace(/\+$/, ' et après'))
    .join(', ');
}

/**
 * One line per rule, in French, for pages read by beneficiaries: "du lundi au vendredi : 09:00 – 12:00".
 * Rules outside the recognised subset are shown as written.
 */
export function describeOpeningHours(value: string | null | undefined): string[] {
  if (!value) return [];
  return splitRules(value.trim()).map((rule) => {
    if (rule === '24/7') return 'tous les jours, 24 h sur 24';
    const g = RULE.exec(rule)?.groups;
    if (!g) return rule;
    const parts: string[] = [];
    if (g.weekdays) parts.push(frenchWeekdays(g.weekdays));
    const when = [g.years, g.months, g.weeks].filter(Boolean).join(' ');
    if (when) parts.unshift(when);
    let text = parts.join(' ');
    if (g.modifier === 'off' || g.modifier === 'closed') text += `${text ? ' : ' : ''}fermé`;
    else if (g.times) text += `${text ? ' : ' : ''}${frenchTimes(g.times)}`;
    if (g.comment) text += ` (${g.comment.slice(1, -1)})`;
    return text.charAt(0).toUpperCase() + text.slice(1);
  });
}
