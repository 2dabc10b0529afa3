/**
 * French agreement in number, so that no page says "carnet(s)" or "1 bloqués": 0 and 1 take the
 * singular (French usage), 2 and more the plural.
 */
export function plural(count: number | bigint, singular: string, pluralForm = `${singular}s`): string {
  return Math.abs(Number(count)) < 2 ? singular : pluralForm;
}

/** "1 carnet", "1 200 carnets": the count in French digits, then the word in agreement with it. */
export function countOf(count: number | bigint, singular: string, pluralForm = `${singular}s`): string {
  return `${Number(count).toLocaleString('fr-FR')} ${plural(count, singular, pluralForm)}`;
}
