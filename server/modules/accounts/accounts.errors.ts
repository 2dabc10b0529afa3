import { conflict, DomainError, forbidden, notFound, tooManyRequests, unauthorized, unprocessable } from '../../shared/problem.ts';

/**
 * The refusals of the accounts area (organisations, users, invitations, sign-in, self-service,
 * API tokens, prescribers), each with its stable code and its French message in one place.
 */

// Sign-in
export const tooManyLoginAttempts = (waitSeconds: number, waitText: string): DomainError =>
  tooManyRequests('too_many_login_attempts', `Trop de tentatives de connexion. Réessayez dans ${waitText}.`, waitSeconds);
/** One message whatever was wrong, so that a wrong password does not tell that the address exists. */
export const invalidCredentials = (): DomainError => unauthorized('invalid_credentials', 'Adresse e-mail ou mot de passe incorrect.');
export const loginNeedsJson = (): DomainError => new DomainError(415, 'unsupported_media_type', 'Type de contenu non pris en charge : envoyez du JSON.');
export const apiLoginNeedsSecondFactor = (): DomainError =>
  unauthorized('second_factor_required', 'Ce compte demande un second facteur : joignez secondFactorCode.');

// Organisations and users
export const organisationNotFound = (): DomainError => notFound('organisation_not_found', 'Organisation introuvable.');
export const userNotFound = (): DomainError => notFound('user_not_found', 'Utilisateur introuvable.');
export const onlyAdminsManageUsers = (): DomainError => forbidden('forbidden', 'Seuls les administrateurs de l’organisation gèrent ses utilisateurs.');
export const financeRoleIsOperatorOnly = (): DomainError =>
  unprocessable('role_not_allowed', 'Le rôle « Finances » est réservé aux utilisateurs de l’opérateur.');
export const cannotDisableSelf = (): DomainError => unprocessable('cannot_disable_self', 'Vous ne pouvez pas désactiver votre propre compte.');
export const currentPasswordIncorrect = (): DomainError => unprocessable('current_password_incorrect', 'Le mot de passe actuel est incorrect.');

// Invitations
export const onlyAdminsManageInvitations = (): DomainError => forbidden('forbidden', 'Seuls les administrateurs de l’organisation gèrent ses invitations.');
export const noPendingInvitation = (): DomainError => notFound('invitation_not_found', 'Aucune invitation en attente pour cet utilisateur.');
export const invitationNotFound = (): DomainError => notFound('invitation_not_found', 'Cette invitation n’existe pas.');
export const invitationUsedOrReplaced = (): DomainError =>
  conflict('invitation_already_used', 'Cette invitation a déjà été utilisée ou remplacée par une plus récente.');
/** Lost a race: the same invitation accepted twice at once. */
export const invitationAlreadyUsed = (): DomainError => conflict('invitation_already_used', 'Cette invitation a déjà été utilisée.');
export const invitationExpired = (): DomainError =>
  unprocessable('invitation_expired', 'Cette invitation a expiré : demandez-en une nouvelle à un administrateur.');

// Self-service: password reset and e-mail change
export const tooManyResetRequests = (waitSeconds: number, waitText: string): DomainError =>
  tooManyRequests('too_many_reset_requests', `Trop de demandes depuis cette connexion. Réessayez dans ${waitText}.`, waitSeconds);
export const resetNotFound = (): DomainError => notFound('reset_not_found', 'Ce lien de réinitialisation n’existe pas.');
export const resetUsedOrReplaced = (): DomainError => conflict('reset_already_used', 'Ce lien a déjà servi ou a été remplacé : demandez-en un nouveau.');
/** Lost a race: the same link used twice at once. */
export const resetAlreadyUsed = (): DomainError => conflict('reset_already_used', 'Ce lien a déjà servi.');
export const resetExpired = (): DomainError => unprocessable('reset_expired', 'Ce lien a expiré (il est valable une heure) : demandez-en un nouveau.');
export const wrongCurrentPassword = (): DomainError => unauthorized('wrong_current_password', 'Le mot de passe actuel est incorrect.');
export const sameEmail = (): DomainError => unprocessable('same_email', 'C’est déjà l’adresse de votre compte.');
export const emailAlreadyUsed = (email: string): DomainError => conflict('email_already_used', `L’adresse ${email} est déjà utilisée par un compte.`);
export const emailChangeNotFound = (): DomainError => notFound('email_change_not_found', 'Ce lien de confirmation n’existe pas.');
export const emailChangeUsedOrReplaced = (): DomainError => conflict('email_change_already_used', 'Ce lien a déjà servi ou a été remplacé.');
/** Lost a race: the same link used twice at once. */
export const emailChangeAlreadyUsed = (): DomainError => conflict('email_change_already_used', 'Ce lien a déjà servi.');
export const emailChangeExpired = (): DomainError => unprocessable('email_change_expired', 'Ce lien a expiré : refaites la demande depuis votre compte.');

// API tokens
export const tokenNeedsSession = (): DomainError => forbidden('session_required', 'Un jeton d’API se crée depuis une session ouverte, pas avec un autre jeton.');
export const apiTokenNotFound = (): DomainError => notFound('api_token_not_found', 'Jeton introuvable.');

// Prescribers
export const onlyBuyerAdminsAddPrescribers = (): DomainError =>
  forbidden('forbidden', 'Seuls les administrateurs d’un commanditaire ajoutent des prescripteurs.');
export const siretUsedByOtherOrganisation = (siret: string): DomainError =>
  conflict('siret_used_by_other_organisation', `Le SIRET ${siret} est celui d’une organisation qui n’est pas un prescripteur : contactez l’opérateur.`);
export const contactEmailAlreadyUsed = (email: string): DomainError =>
  conflict('email_already_used', `L’adresse ${email} est déjà celle d’un compte : indiquez l’adresse du contact dans ce prescripteur.`);
export const prescribersForBuyersAndOperator = (): DomainError => forbidden('forbidden', 'Réservé aux commanditaires et à l’opérateur.');
export const onlyOperatorAdminsSuspendPrescribers = (): DomainError =>
  forbidden('forbidden', 'Seuls les administrateurs de l’opérateur suspendent un prescripteur.');
export const operatorOnly = (): DomainError => forbidden('forbidden', 'Réservé à l’opérateur.');
export const prescriberNotFound = (): DomainError => notFound('prescriber_not_found', 'Prescripteur introuvable.');
