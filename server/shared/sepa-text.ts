/**
 * The EPC basic Latin set that SEPA files carry, as text rules: what bank details are checked
 * against when a place enters them (places) and what the transfer file writes (finance/sepa.ts).
 */

/** Letters that Unicode decomposition does not reduce to basic Latin, and typographic punctuation. */
const TRANSLITERATIONS: Record<string, string> = {
  œ: 'oe',
  Œ: 'OE',
  æ: 'ae',
  Æ: 'AE',
  ß: 'ss',
  ẞ: 'SS',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ł: 'l',
  Ł: 'L',
  ı: 'i',
  '\u2018': "'",
  '\u2019': "'",
  '\u02bc': "'",
  '`': "'",
  '\u00b4': "'",
  '\u2010': '-',
  '\u2011': '-',
  '\u2013': '-',
  '\u2014': '-',
  '€': 'EUR',
};

const OUTSIDE_EPC_CHARSET = /[^a-zA-Z0-9/\-?:().,'+ ]/g;

/**
 * Reduces free text to the EPC basic Latin set (banks reject or garble anything else): accents and
 * ligatures are transliterated, other characters become spaces, and the result is cut to `maxLength`.
 */
export function toSepaText(text: string, maxLength: number): string {
  let out = '';
  for (const char of text) {
    const mapped = TRANSLITERATIONS[char];
    // NFKD splits "é" into "e" + accent and also unfolds compatibility forms ("ﬁ" → "fi", "²" → "2").
    out += mapped ?? char.normalize('NFKD').replace(/\p{M}/gu, '');
  }
  return out.replace(OUTSIDE_EPC_CHARSET, ' ').replace(/ {2,}/g, ' ').trim().slice(0, maxLength).trimEnd();
}

/**
 * The letters and digits of a name that the EPC basic Latin set cannot carry, even transliterated
 * ("数" has no Latin form; "é" and "Œ" have). Punctuation may be dropped, letters may not: a holder
 * name the bank cannot read would make the whole month's transfer file fail.
 */
export function lettersOutsideSepa(text: string): string[] {
  const lost: string[] = [];
  for (const char of text) {
    if (!/[\p{L}\p{N}]/u.test(char)) continue;
    const mapped = TRANSLITERATIONS[char] ?? char.normalize('NFKD').replace(/\p{M}/gu, '');
    if (mapped === '' || /[^a-zA-Z0-9]/.test(mapped)) lost.push(char);
  }
  return [...new Set(lost)];
}
