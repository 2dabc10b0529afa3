/** Money is always integer euro cents; rates are basis points (1 % = 100). */

export function assertCents(value: number, label = 'montant'): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${label} doit être un nombre entier de centimes`);
  return value;
}

/** floor(amount × rate / 10 000), exact for any safe-integer amount (no float rounding). */
export function applyBasisPoints(amountCents: number, basisPoints: number): number {
  assertCents(amountCents);
  if (!Number.isSafeInteger(basisPoints)) throw new TypeError('taux en points de base entier attendu');
  const product = BigInt(amountCents) * BigInt(basisPoints);
  const q = product / 10000n;
  // BigInt division truncates toward zero: floor for negatives needs one more step down.
  const floored = product < 0n && q * 10000n !== product ? q - 1n : q;
  return Number(floored);
}

/**
 * Splits `totalCents` in proportion to `weights` (integers), floor for every part except the
 * named remainder part, which takes what is left, so the parts always sum to the total.
 */
export function splitProportionally(totalCents: number, weights: number[], remainderIndex = 0): number[] {
  assertCents(totalCents);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  if (weightSum <= 0) throw new RangeError('la somme des poids doit être positive');
  const parts = weights.map((w) => Number((BigInt(totalCents) * BigInt(w)) / BigInt(weightSum)));
  const assigned = parts.reduce((a, b, i) => (i === remainderIndex ? a : a + b), 0);
  parts[remainderIndex] = totalCents - assigned;
  return parts;
}

const euroFormatter = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });

/** "1 234,56 €" with French separators (narrow no-break spaces as Intl gives them). */
export function formatEuros(cents: number): string {
  return euroFormatter.format(cents / 100);
}

/** "1234,56": decimal comma, no thousands separator, for CSV and FEC. */
export function centsToDecimalComma(cents: number): string {
  assertCents(cents);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}

/** "1234.56": decimal point, for SEPA files. */
export function centsToDecimalPoint(cents: number): string {
  return centsToDecimalComma(cents).replace(',', '.');
}

const EUROS = /^\d{1,13}([.,]\d{1,2})?$/;

/**
 * A euro amount typed in a form ("15 000 000", "1234,5", "20000.00 €") → cents, exactly (no float).
 * undefined for an empty field, null for text that is not an amount.
 */
export function parseEuros(raw: unknown): number | undefined | null {
  if (typeof raw !== 'string') return raw === undefined ? undefined : null;
  const compact = raw.replace(/[\s\u00a0\u202f€]/g, '');
  if (compact === '') return undefined;
  if (!EUROS.test(compact)) return null;
  const [whole, fraction = ''] = compact.split(/[.,]/) as [string, string?];
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}
