/**
 * Specimen pass codes, printed on proofs ("BAT") instead of live ones. They have the layout and a
 * valid check character of a pass code, so the proof looks like the real thing and its QR codes
 * scan, but their key-version character is `0`, which no secret ever signs (live codes use
 * CURRENT_PASS_CODE_KEY_VERSION and later versions, never 0): every verifier refuses them before
 * any database lookup, so nothing printed on a proof can be redeemed. The public pass page
 * recognises them and says it is a specimen.
 */
import { computeCheckCharacter, isCheckCharacterValid, normalizePassCode, PASS_CODE_ALPHABET } from './pass-code.ts';

export const SPECIMEN_KEY_VERSION = '0';
const SPECIMEN_PREFIX = `${SPECIMEN_KEY_VERSION}SPEC1MEN`;

/** The specimen code of coupon `position` (1-based) of a proof: `0SPE-C1ME-N001-0000-000C`. */
export function specimenCode(position: number): string {
  if (!Number.isInteger(position) || position < 1 || position > 32 ** 3 - 1) throw new RangeError('position de coupon invalide');
  let digits = '';
  for (let n = position, i = 0; i < 3; i++, n = Math.floor(n / 32)) digits = PASS_CODE_ALPHABET[n % 32]! + digits;
  const body = `${SPECIMEN_PREFIX}${digits}0000000`;
  return body + computeCheckCharacter(body);
}

export function isSpecimenCode(input: string): boolean {
  const canonical = normalizePassCode(input);
  return canonical !== null && canonical.startsWith(SPECIMEN_PREFIX) && isCheckCharacterValid(canonical);
}
