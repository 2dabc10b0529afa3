/**
 * SIREN (9 digits) and SIRET (SIREN + 5-digit NIC) validation.
 * Rules follow the reference implementation of pass-culture (api/src/pcapi/utils/siren.py).
 */

/** La Poste registers far more establishments than a Luhn-valid NIC range can hold, so INSEE gave it its own rule. */
export const LA_POSTE_SIREN = '356000000';

/** Luhn checksum of a digit string; 0 means the string carries a valid check digit. */
function luhnSum(digits: string): number {
  let sum = 0;
  // Doubling starts from the second digit counted from the right, whatever the length.
  for (let i = 0; i < digits.length; i++) {
    const value = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) sum += value > 4 ? 2 * value - 9 : 2 * value;
    else sum += value;
  }
  return sum % 10;
}

/** The digit that makes `digits` + digit Luhn-valid. */
export function luhnCheckDigit(digits: string): string {
  if (!/^\d*$/.test(digits)) throw new TypeError('chiffres attendus');
  return String((10 - luhnSum(`${digits}0`)) % 10);
}

export function isValidSiren(s: string): boolean {
  return /^\d{9}$/.test(s) && luhnSum(s) === 0;
}

export function isValidSiret(s: string): boolean {
  if (!/^\d{14}$/.test(s)) return false;
  if (luhnSum(s) === 0) return true;
  if (s.startsWith(LA_POSTE_SIREN)) {
    let digitSum = 0;
    for (const c of s) digitSum += c.charCodeAt(0) - 48;
    return digitSum % 5 === 0;
  }
  return false;
}

/** People paste SIRETs as "356 000 000 00048", sometimes with no-break spaces from a PDF. */
export function normalizeSiret(input: string): string {
  return input.replace(/\s+/g, '');
}

/** Intra-community VAT number of a French company: FR + 2-digit key + SIREN. */
export function vatNumberFromSiren(siren: string): string {
  if (!isValidSiren(siren)) throw new RangeError(`SIREN invalide : ${siren}`);
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, '0')}${siren}`;
}
