import { badRequest, conflict, DomainError, forbidden, notFound, unprocessable } from '../../shared/problem.ts';
import type { RedeemabilityVerdict } from '../booklets/redeemability.ts';

/**
 * The errors the counter raises (checking, redeeming and cancelling a pass), each with its stable
 * code and its French message in one place. The refusals of the redeemability rule keep the rule's
 * own code and message (booklets/redeemability.ts): `passRefused` only carries them. Every code that
 * cannot be read is `pass_not_found`, so that the lookup throttle counts it (lookup-guard.ts).
 */

const PASS_NOT_FOUND = 'Pass introuvable : vérifiez le code saisi ou scannez de nouveau le QR code.';

export const passNotFound = (): DomainError => notFound('pass_not_found', PASS_NOT_FOUND);

export const malformedPassCode = (): DomainError =>
  notFound('pass_not_found', 'Code incomplet ou mal formé : un code de pass compte 20 caractères (lettres et chiffres).');

export const mistypedPassCode = (): DomainError =>
  notFound('pass_not_found', 'Code mal saisi : un caractère ne correspond pas. Vérifiez chaque caractère ou scannez le QR code.');

export const passCodeRequired = (): DomainError => badRequest('validation_failed', 'Saisissez le code du pass (20 caractères) ou scannez son QR code.');

export const onlyPlacesRedeem = (): DomainError => forbidden('forbidden', 'Seuls les lieux labellisés encaissent des pass.');

export const siteNotFound = (): DomainError => notFound('site_not_found', 'Lieu d’accueil introuvable : choisissez un de vos lieux d’accueil actifs.');

export const placeHasNoSite = (): DomainError => unprocessable('place_has_no_site', 'Votre lieu n’a aucun lieu d’accueil actif : ajoutez-en un dans « Mon lieu ».');

export const siteRequired = (): DomainError =>
  badRequest('site_required', 'Votre lieu a plusieurs lieux d’accueil : indiquez celui où le service a été rendu.', [
    { path: 'siteId', message: 'choisissez le lieu d’accueil' },
  ]);

/** The redeemability rule said no: its status, code and message, and when the pass was redeemed if it was. */
export function passRefused(verdict: Extract<RedeemabilityVerdict, { redeemable: false }>): DomainError {
  return new DomainError(verdict.status, verdict.code, verdict.message, verdict.redeemedAt ? { extra: { redeemedAt: verdict.redeemedAt } } : {});
}

export const passAlreadyRedeemed = (): DomainError => conflict('pass_already_redeemed', 'Pass déjà utilisé.');

// --- Cancellation ----------------------------------------------------------------------------

export const redemptionNotFound = (): DomainError => notFound('redemption_not_found', 'Encaissement introuvable.');

export const redemptionAlreadyCancelled = (): DomainError => conflict('redemption_already_cancelled', 'Cet encaissement est déjà annulé.');

export const redemptionInBatch = (): DomainError =>
  conflict('redemption_in_batch', 'Cet encaissement fait déjà partie d’un remboursement : il ne peut plus être annulé. Contactez l’opérateur.');

export const cancellationPeriodOver = (): DomainError =>
  conflict('cancellation_period_over', 'Un encaissement ne peut être annulé que dans les 24 heures : ce délai est dépassé. Contactez l’opérateur.');

export const redemptionChangedMeanwhile = (): DomainError => conflict('redemption_not_cancellable', 'Cet encaissement vient de changer : rechargez la page.');

export const passChangedMeanwhile = (): DomainError => conflict('redemption_not_cancellable', 'Ce pass a changé de situation : l’encaissement ne peut plus être annulé.');
