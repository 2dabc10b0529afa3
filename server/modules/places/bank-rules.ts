import { bankHolderNotSepa, operatorOwnAccount } from './places.errors.ts';
import { lettersOutsideSepa } from '../../shared/sepa-text.ts';

/**
 * Bank details are checked at entry against what the transfer file will need, so that a month's
 * SEPA file can never fail on one place: the holder's name must be writable in the EPC Latin set,
 * and the account may not be the operator's own (a payout to itself would hide money leaving).
 */
export function assertPayableBankDetails(input: { holder: string; iban: string }, options: { operatorIban: string; holderField: string }): void {
  const lost = lettersOutsideSepa(input.holder);
  if (lost.length > 0 || !/[a-zA-Z0-9]/.test(input.holder.normalize('NFKD'))) {
    throw bankHolderNotSepa(lost, options.holderField);
  }
  if (input.iban === options.operatorIban.replace(/\s/g, '').toUpperCase()) {
    throw operatorOwnAccount();
  }
}
