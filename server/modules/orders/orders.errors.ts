import { formatEuros } from '../../shared/money.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';
import { MIN_FACE_VALUE_CENTS, ORDER_STATUS_LABELS } from './orders.schemas.ts';
import { badRequest, DomainError, forbidden, conflict, unprocessable, type FieldError } from '../../shared/problem.ts';

/**
 * The errors the orders module raises, each with its stable code and its French message in one
 * place. Order lookups that fail answer `orderNotFound` (order-records.errors.ts), shared with the
 * areas that read orders.
 */

/** The programme picked on the order form does not exist (a 422 on the order, not a 404 on a programme). */
export const chosenProgramNotFound = (): DomainError => unprocessable('cofinancing_program_not_found', 'Ce programme de cofinancement n’existe pas.');

export const onlyBuyersOrder = (): DomainError => forbidden('forbidden', 'Seuls les commanditaires passent commande.');

export const faceValueTooLow = (valueCents: number): DomainError =>
  new DomainError(422, 'face_value_too_low', `La valeur d’un pass doit être d’au moins ${formatEuros(MIN_FACE_VALUE_CENTS)} (${formatEuros(valueCents)} demandés).`, {
    errors: [{ path: 'faceValueCents', message: `valeur faciale d’au moins ${formatEuros(MIN_FACE_VALUE_CENTS)}` }],
    extra: { minimumCents: MIN_FACE_VALUE_CENTS },
  });

export const paymentArrangementNotPublic = (): DomainError =>
  new DomainError(422, 'payment_arrangement_not_public', 'Une convention de mandat ou une régie d’avances ne concerne qu’un commanditaire public : laissez ce champ vide.', {
    errors: [{ path: 'paymentArrangement', message: 'réservé aux commanditaires publics' }],
  });

/** The chosen programme (or the State's rules on it) refuses the order; `condition` names the rule. */
export const cofinancingNotEligible = (refusal: { condition: string; message: string }): DomainError =>
  unprocessable('cofinancing_not_eligible', refusal.message, { condition: refusal.condition });

export const COFINANCING_NOT_ELIGIBLE = 'cofinancing_not_eligible';

/** Publics or territory codes that do not exist, each named in `errors`. */
export const unknownReferenceCodes = (errors: FieldError[]): DomainError =>
  badRequest('unknown_reference_code', `Codes inconnus : ${errors.map((e) => e.message).join(', ')}.`, errors);

/** The status as the order pages word it, inside a sentence: "approuvée", "à approuver". */
const statusInSentence = (status: OrderRow['status']) => ORDER_STATUS_LABELS[status].toLocaleLowerCase('fr-FR');

export const orderNotSubmitted = (status: OrderRow['status']): DomainError =>
  conflict('order_not_submitted', `Cette commande ne peut plus être approuvée (statut actuel : ${statusInSentence(status)}).`);

export const orderNotCancellable = (status: OrderRow['status']): DomainError =>
  conflict('order_not_cancellable', `Seule une commande en attente d’approbation peut être annulée (statut actuel : ${statusInSentence(status)}).`);

export const orderCancelled = (): DomainError => conflict('order_cancelled', 'Cette commande est annulée.');

export const mandateNotAllowed = (): DomainError =>
  unprocessable('mandate_not_allowed', 'Un numéro de mandat ne vaut financement que pour un commanditaire public : réglez la facture.');

/** The mandate form was sent without a number. */
export const mandateNumberMissing = (): DomainError => badRequest('validation_failed', 'Indiquez le numéro de mandat.');
