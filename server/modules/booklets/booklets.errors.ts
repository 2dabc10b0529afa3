import { badRequest, conflict, forbidden, notFound, tooManyRequests, type DomainError } from '../../shared/problem.ts';
import { countOf } from '../../shared/plural.ts';

/**
 * The errors the booklets area raises (printing, proofs and their design, logos, pass lookups),
 * each with its stable code and its French message in one place.
 */

export const bookletNotFound = (serial: string): DomainError => notFound('booklet_not_found', `Carnet introuvable : ${serial}.`);

// --- Printing and proofs ---------------------------------------------------------------------

export const nothingToPrintYet = (): DomainError => conflict('order_not_approved', 'Les carnets sont émis à l’approbation de la commande : rien à imprimer pour le moment.');

export const bookletsBeingIssued = (): DomainError =>
  conflict(
    'booklets_being_issued',
    'Les carnets de cette commande sont en cours de création : le bon à tirer et le fichier d’impression seront disponibles à la fin (suivez la progression sur la page de la commande).',
  );

export const onlyBuyerAcceptsProof = (): DomainError => forbidden('forbidden', 'Seul le commanditaire valide le bon à tirer de sa commande.');

export const proofVersionNotFound = (version: number | undefined): DomainError => notFound('proof_version_not_found', `Aucune version ${version} du bon à tirer de cette commande.`);

export const proofNotAccepted = (): DomainError =>
  conflict('proof_not_accepted', 'Validez d’abord le bon à tirer (BAT) de la commande : le fichier d’impression sera ensuite disponible.');

// --- Design (print settings) -----------------------------------------------------------------

export const onlyBuyerDesigns = (): DomainError => forbidden('forbidden', 'Seul le commanditaire conçoit ses carnets et décide de leur bon à tirer.');

export const nothingToDesignYet = (): DomainError =>
  conflict('order_not_approved', 'Les carnets sont émis à l’approbation de la commande : leur présentation se règle ensuite, avant le bon à tirer.');

export const proofAlreadyAccepted = (): DomainError => conflict('proof_already_accepted', 'Le bon à tirer est validé : la présentation des carnets ne peut plus changer.');

export const proofNotWaiting = (status: 'accepted' | 'rejected' | string): DomainError =>
  conflict('proof_not_waiting', status === 'accepted' ? 'Ce bon à tirer est déjà validé.' : 'Ce bon à tirer est déjà refusé : modifiez la présentation pour en produire un nouveau.');

export const proofRejected = (): DomainError =>
  conflict('proof_rejected', 'Ce bon à tirer a été refusé : modifiez la présentation des carnets, puis validez la nouvelle version.');

/** `detail` says what is wrong with the file (format, weight, unreadable image). */
export const invalidLogo = (detail: string): DomainError => badRequest('invalid_logo', detail);

export const logoNotFound = (): DomainError => notFound('logo_not_found', 'Pas de logo pour cette commande.');

// --- Pass lookups ----------------------------------------------------------------------------

export const tooManyPassLookups = (waitSeconds: number): DomainError =>
  tooManyRequests('too_many_pass_lookups', `Trop de codes de pass inconnus saisis : réessayez dans ${countOf(Math.ceil(waitSeconds / 60), 'minute')}.`, waitSeconds);

export const passNotFoundForCode = (): DomainError => notFound('pass_not_found', 'Aucun pass ne correspond à ce code : vérifiez-le caractère par caractère.');
