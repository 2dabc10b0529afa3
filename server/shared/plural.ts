/**
 * French agreement in number, so that no page says "carnet(s)" or "1 bloqués": 0 and 1 take the
 * singular (French usage), 2 and more the plural. The plural adds an "s", except to a word that
 * already ends in s, x or z, which French leaves as it is ("pass", "prix"); any other plural
 * ("lieux", or a phrase such as "carnets émis") is given as the third argument.
 */
export function plural(count: number | bigint, singular: string, pluralForm = defaultPlural(singular)): string {
  return Math.abs(Number(count)) < 2 ? singular : pluralForm;
}

/** "1 carnet", "1 200 carnets": the count in French digits, then the word in agreement with it. */
export function countOf(count: number | bigint, singular: string, pluralForm = defaultPlural(singular)): string {
  return `${Number(count).toLocaleString('fr-FR')} ${plural(count, singular, pluralForm)}`;
}

function defaultPlural(singular: string): string {
  return /[sxz]$/.test(singular) ? singular : `${singular}s`;
}
