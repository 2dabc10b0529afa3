import type { Config } from '../../config.ts';
import { createPassCodeFactory, type PassCodeFactory } from './pass-code.ts';

/**
 * Key version of codes signed with PASS_CODE_SECRET. A rotation adds a version and keeps the old
 * secret, and never uses `0`: that version marks the unsigned specimen codes of proofs (specimen.ts).
 */
export const CURRENT_PASS_CODE_KEY_VERSION = '1';

export function passCodeFactoryFor(config: Pick<Config, 'passCodeSecret'>): PassCodeFactory {
  return createPassCodeFactory({ secrets: { [CURRENT_PASS_CODE_KEY_VERSION]: config.passCodeSecret }, currentVersion: CURRENT_PASS_CODE_KEY_VERSION });
}
