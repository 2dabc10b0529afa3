import { countOf } from '../../shared/plural.ts';
import { DomainError, forbidden, tooManyRequests, unprocessable } from '../../shared/problem.ts';

/** The refusals of the second factor (TOTP, backup codes, step-up), each with its stable code and French message. */
export const mfaEnrolmentRequired = (): DomainError =>
  new DomainError(403, 'mfa_enrolment_required', 'Activez d’abord la double authentification (page « Double authentification » de votre compte).');
export const mfaAlreadyEnabled = (): DomainError => unprocessable('mfa_already_enabled', 'La double authentification est déjà activée.');
export const mfaNotPending = (): DomainError => unprocessable('mfa_not_pending', 'Aucune activation en cours : rechargez la page.');
export const mfaNotEnabled = (): DomainError => forbidden('mfa_not_enabled', 'La double authentification n’est pas activée pour ce compte.');
/** At enrolment: the code typed does not match the new secret. */
export const enrolmentCodeInvalid = (): DomainError =>
  unprocessable('second_factor_invalid', 'Code incorrect : saisissez le code à 6 chiffres affiché par votre application.');
/** At enrolment: the step was already used (replayed code). */
export const enrolmentCodeReplayed = (): DomainError => unprocessable('second_factor_invalid', 'Ce code a déjà servi : attendez le suivant.');
export const secondFactorRejected = (): DomainError =>
  forbidden('second_factor_invalid', 'Code incorrect ou déjà utilisé : saisissez le code actuel de votre application, ou un code de secours.');
export const tooManySecondFactorAttempts = (waitSeconds: number): DomainError =>
  tooManyRequests('too_many_second_factor_attempts', `Trop de codes incorrects. Réessayez dans ${countOf(waitSeconds, 'seconde')}.`, waitSeconds);
export const stepUpRequired = (): DomainError =>
  forbidden('second_factor_required', 'Cette action demande votre second facteur : saisissez le code à 6 chiffres de votre application d’authentification.');
