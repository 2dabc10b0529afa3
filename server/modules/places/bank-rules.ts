import { DomainError } from '../../shared/problem.ts';
import { lettersOutsideSepa } from '../../shared/sepa-text.ts';

/**
 * Bank details are checked at entry against what the transfer file will need, so that a month's
 * SEPA file can never fail on one place: the holder's name must be writable in the EPC Latin set,
 * and the account may not be the operator's own (a payout to itself would hide money leaving).
 */
export function assertPayableBankDetails(input: { holder: string; iban: string }, options: { operatorIban: string; holderField: string }): void {
  const lost = lettersOutsideSepa(input.holder);
  if (lost.length > 0 || !/[a-zA-Z0-9]/.test(input.holder.normalize('NFKD'))) {
    const detail =
      lost.length > 0
        ? `Le titulaire du compte contient des caractères que les virements SEPA ne peuvent pas transmettre (${lost.join(' ')}) : écrivez-le en lettres latines, comme sur le RIB.`
        : 'Le titulaire du compte doit contenir des lettres latines, comme sur le RIB.';
    throw new DomainError(422, 'bank_holder_not_sepa', detail, { errors: [{ path: options.holderField, message: 'nom à écrire en lettres latines (jeu de caractères SEPA)' }] });
  }
  if (input.iban === options.operatorIban.replace(/\s/g, '').toUpperCase()) {
    throw new DomainError(422, 'operator_own_account', 'Cet IBAN est celui de l’opérateur du Pass numérique : un lieu ne peut pas être remboursé sur ce compte.', {
      errors: [{ path: 'iban', message: 'IBAN de l’opérateur' }],
    });
  }
}
