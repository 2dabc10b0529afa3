import { formatFrenchDate } from '../../shared/paris-time.ts';
import { DomainError, badRequest, unprocessable } from '../../shared/problem.ts';

/**
 * The finance errors that belong to no single document: dates of money movements, the end of
 * validity of an order, the yearly attestations. Stable codes and French messages in one place;
 * invoices, reimbursements, bank statements and the journal have their own `*.errors.ts`.
 */

/** `what` is the French subject of the sentence ("La date de dépôt sur Chorus Pro"); dates are AAAA-MM-JJ. */
export const dateInFuture = (what: string, date: string, today: string, field: string) =>
  new DomainError(422, 'date_in_future', `${what} (${formatFrenchDate(date)}) ne peut pas être postérieure à aujourd’hui (${formatFrenchDate(today)}).`, {
    errors: [{ path: field, message: `date postérieure à aujourd’hui (${formatFrenchDate(today)})` }],
  });

export const orderNotExpirable = () => unprocessable('order_not_expirable', 'Seule une commande approuvée peut arriver en fin de validité.');
/** `lastDay` (AAAA-MM-JJ): the last day the passes are accepted, grace included; printed in French. */
export const orderNotExpiredYet = (lastDay: string) =>
  unprocessable('order_not_expired_yet', `Les pass de cette commande restent utilisables jusqu’au ${formatFrenchDate(lastDay)} (fin de validité et délai de grâce).`, {
    graceEndsOn: lastDay,
  });

export const attestationYearNotStarted = (year: number) =>
  unprocessable('attestation_year_not_started', `L’année ${year} n’a pas commencé : choisissez une année écoulée ou l’année en cours.`);
export const attestationYearMissing = () => badRequest('validation_failed', 'Choisissez l’année de l’attestation, par exemple 2026.');

