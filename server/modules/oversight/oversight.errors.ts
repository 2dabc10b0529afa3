import { DomainError, forbidden, notFound, unprocessable } from '../../shared/problem.ts';

/**
 * The errors the oversight module raises (State reports, end of validity), each with its stable
 * code and French message. The usage statistics keep theirs in usage.service.ts for now.
 */

/** Unknown programme, or one the State organisation asking does not fund: its existence is none of its business. */
export const stateProgramNotFound = (): DomainError => notFound('program_not_found', 'Programme introuvable.');

export const notAStateOrganisation = (): DomainError =>
  unprocessable('not_a_state_organisation', 'Seule une organisation de type « Service de l’État » peut financer un programme.');

/** An end-of-validity step taken by the wrong party: only the operator signs for the operator, only the buyer decides the rest. */
export const notYourStep = (operatorStep: boolean): DomainError =>
  forbidden('forbidden', operatorStep ? 'Seul l’opérateur signe pour l’opérateur.' : 'Seul le commanditaire prend cette décision.');

export const STEP_ALREADY_TAKEN = 'step_already_taken';

/** The step's rule refuses it now (end-of-validity.rules.ts says why): a step done twice conflicts, any other refusal is a business rule. */
export const stepRefused = (refusal: { code: string; message: string }): DomainError =>
  new DomainError(refusal.code === STEP_ALREADY_TAKEN ? 409 : 422, refusal.code, refusal.message);

/** Another request recorded the same step meanwhile. */
export const stepAlreadyTaken = (): DomainError => new DomainError(409, STEP_ALREADY_TAKEN, 'Cette étape a déjà été faite.');

export const closingNotReady = (): DomainError =>
  unprocessable('closing_not_ready', 'Le relevé de clôture est établi une fois la commande arrivée en fin de validité.');

export const orderBlockedEndOfValidity = (): DomainError =>
  unprocessable(
    'order_blocked_end_of_validity',
    'Cette commande arrive en fin de validité : son commanditaire a bloqué les carnets non remis. Ne remettez plus ses carnets ; rendez-les au commanditaire.',
  );
