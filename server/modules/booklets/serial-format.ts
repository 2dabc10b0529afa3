/**
 * Booklet serials as people type, scan and read them: CD31-2026-000042, a prefix (booklets/issuance.ts),
 * the year and a number of at least six digits. Pure functions, no I/O. The booklets area owns the
 * format, since it issues the serials; ranges and summaries are in serial-ranges.ts.
 */

const DASHES = /[\u2010-\u2015\u2212]/g;

/**
 * What a person typed or a scanner read → the canonical serial. The booklet's QR code holds
 * `${PUBLIC_URL}/C/${SERIAL}`, and hand scanners type it like a keyboard: keep the last path segment.
 */
export function normaliseSerial(input: string): string {
  let text = input.normalize('NFKC').trim();
  const fromUrl = /\/C\/([^/?#\s]+)\/?(?:[?#].*)?$/i.exec(text);
  if (fromUrl) text = decodeURIComponentSafe(fromUrl[1]!);
  return text.replace(DASHES, '-').replace(/[\s\u00a0\u202f]+/g, '').toUpperCase();
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The serials a search may mean, for an exact lookup through the unique index: the input as
 * normalised, and — when its dashes were left out or typed as spaces ("cd31 2026 000042",
 * "CD312026000042") — the serial rebuilt from its parts. Empty when it cannot be a serial.
 */
export function serialCandidates(input: string): string[] {
  const normalised = normaliseSerial(input);
  const compact = normalised.replace(/[^A-Z0-9]/g, '');
  if (compact.length < 3 || compact.length > 40) return [];
  const candidates = new Set<string>();
  if (/^[A-Z0-9][A-Z0-9-]{2,39}$/.test(normalised)) candidates.add(normalised);
  // Prefix (two letters, then up to six letters or digits: CD2A, CM31555), a year 20xx, a number of
  // six digits or more. Without dashes "CM315552026000001" splits more than one way: try each.
  const prefixed = /^[A-Z]{2}[0-9A-Z]*$/.test(compact);
  for (let prefixLength = 2; prefixed && prefixLength <= 8 && prefixLength + 10 <= compact.length; prefixLength++) {
    const year = compact.slice(prefixLength, prefixLength + 4);
    if (/^20\d\d$/.test(year)) candidates.add(`${compact.slice(0, prefixLength)}-${year}-${compact.slice(prefixLength + 4)}`);
  }
  return [...candidates];
}
