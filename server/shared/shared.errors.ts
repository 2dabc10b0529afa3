import { badRequest, conflict, DomainError, forbidden, unauthorized } from './problem.ts';

/**
 * The refusals raised below the areas — authentication, idempotency keys, forms, cursors and
 * unknown addresses — each with its stable code and its French message in one place.
 */
export const authenticationRequired = (): DomainError => unauthorized('authentication_required', 'Connexion requise.');
export const invalidApiToken = (): DomainError => unauthorized('invalid_token', 'Jeton d’API invalide ou révoqué.');
export const roleForbidden = (): DomainError => forbidden('forbidden', 'Votre rôle ne permet pas cette action.');

export const invalidIdempotencyKey = (): DomainError => badRequest('invalid_idempotency_key', 'L’en-tête Idempotency-Key doit contenir de 1 à 200 caractères.');
export const idempotencyKeyReused = (): DomainError => conflict('idempotency_key_reused', 'Cette clé d’idempotence a déjà servi pour une autre requête.');
export const idempotencyRequestInProgress = (): DomainError =>
  conflict('idempotency_request_in_progress', 'Une requête avec cette clé d’idempotence est en cours.');

export const unreadableForm = (): DomainError => badRequest('invalid_form', 'Le formulaire envoyé est illisible.');
export const fieldSentTwice = (name: string): DomainError =>
  badRequest('invalid_form', `Le champ « ${name.slice(0, 60)} » doit être envoyé une seule fois, sous forme de texte.`);
export const invalidCursor = (): DomainError => badRequest('invalid_cursor', 'Le curseur de pagination est invalide : reprenez la liste depuis le début.');

export const noSuchAddress = (method: string, path: string): DomainError => new DomainError(404, 'not_found', `Aucune ressource à l’adresse ${method} ${path}.`);
