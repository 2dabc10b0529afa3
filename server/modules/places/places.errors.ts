import { badRequest, conflict, DomainError, forbidden, notFound, unprocessable, type FieldError } from '../../shared/problem.ts';

/**
 * The errors the places area raises (application, review, sites, bank details, imports), each with
 * its stable code and its French message in one place. Another organisation's place is "not found".
 */

export const placeNotFound = (): DomainError => notFound('place_not_found', 'Lieu introuvable.');

export const siteNotFound = (): DomainError => notFound('site_not_found', 'Lieu d’accueil introuvable.');

/** `what` is what is being changed: "les lieux d’accueil", "les coordonnées bancaires". */
export const notPlaceAdmin = (what: string): DomainError => forbidden('forbidden', `Seuls les administrateurs du lieu (ou de l’opérateur) modifient ${what}.`);

export const unknownCommuneCodes = (errors: FieldError[]): DomainError =>
  badRequest('unknown_reference_code', `Codes inconnus : ${errors.map((e) => e.message).join(', ')}.`, errors);

export const placeAlreadyRegistered = (siret: string): DomainError =>
  conflict('place_already_registered', `Un lieu est déjà enregistré avec le SIRET ${siret} : contactez l’opérateur du Pass numérique.`);

// --- Review ----------------------------------------------------------------------------------

export const onlyOperatorDecides = (): DomainError => forbidden('forbidden', 'Seul l’opérateur décide de la labellisation des lieux.');

export const placeHasNoSiteToLabel = (): DomainError => unprocessable('place_has_no_site', 'Ce lieu n’a aucun lieu d’accueil actif : ajoutez-en un avant de le labelliser.');

/** `verb` is the decision ("labelliser", "suspendre"), `statusWord` what the place is now ("refusé"). */
export const placeStatusConflict = (verb: string, statusWord: string): DomainError => conflict('place_status_conflict', `Impossible de ${verb} ce lieu : il est ${statusWord}.`);

export const decisionReasonRequired = (): DomainError => badRequest('validation_failed', 'Indiquez le motif : il sera communiqué au lieu.');

// --- Bank details ----------------------------------------------------------------------------

export const onlyFinanceValidatesBankDetails = (): DomainError => forbidden('forbidden', 'Seules les finances de l’opérateur valident les coordonnées bancaires.');

export const noPendingBankDetails = (): DomainError => conflict('no_pending_bank_details', 'Aucune coordonnée bancaire n’attend de validation pour ce lieu.');

export const bankDetailsChangedMeanwhile = (): DomainError => conflict('no_pending_bank_details', 'Ces coordonnées bancaires ont changé entre-temps : rechargez la page.');

export const fourEyesRequired = (): DomainError => forbidden('four_eyes_required', 'Vous avez saisi ces coordonnées bancaires : une autre personne doit les valider.');

/** `lost` are the characters a SEPA transfer cannot carry (none: the name has no Latin letter at all). */
export const bankHolderNotSepa = (lost: readonly string[], holderField: string): DomainError =>
  new DomainError(
    422,
    'bank_holder_not_sepa',
    lost.length > 0
      ? `Le titulaire du compte contient des caractères que les virements SEPA ne peuvent pas transmettre (${lost.join(' ')}) : écrivez-le en lettres latines, comme sur le RIB.`
      : 'Le titulaire du compte doit contenir des lettres latines, comme sur le RIB.',
    { errors: [{ path: holderField, message: 'nom à écrire en lettres latines (jeu de caractères SEPA)' }] },
  );

export const operatorOwnAccount = (): DomainError =>
  new DomainError(422, 'operator_own_account', 'Cet IBAN est celui de l’opérateur du Pass numérique : un lieu ne peut pas être remboursé sur ce compte.', {
    errors: [{ path: 'iban', message: 'IBAN de l’opérateur' }],
  });

// --- Imports ---------------------------------------------------------------------------------

export const unreadableImportFile = (): DomainError => badRequest('invalid_import_file', 'Fichier illisible : CSV avec une ligne d’en-tête ou JSON attendu.');

export const importJsonNotAList = (): DomainError => badRequest('invalid_import_file', 'JSON attendu : un tableau de lieux, ou un objet { rows: [...] }.');

export const unknownImportFormat = (): DomainError =>
  badRequest(
    'unknown_import_format',
    'Format de fichier non reconnu : colonnes du schéma des lieux de médiation numérique (id, pivot, nom…) ou de data·inclusion (id, siret, nom, frais…) attendues.',
  );
