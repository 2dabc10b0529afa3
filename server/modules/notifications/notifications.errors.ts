import { conflict, forbidden, notFound, type DomainError } from '../../shared/problem.ts';

/** The refusals of the mail log (`/courriels`) and of sending a message again. */
export const onlyOperatorAdminsReadMail = (): DomainError => forbidden('forbidden', 'Seuls les administrateurs de l’opérateur consultent les courriels envoyés.');
export const messageNotFound = (): DomainError => notFound('message_not_found', 'Message introuvable.');
export const messageNotFailed = (): DomainError =>
  conflict('message_not_failed', 'Seul un message en échec peut être renvoyé : celui-ci est déjà envoyé ou en cours d’envoi.');
