import { notFound, type DomainError } from '../../shared/problem.ts';

/**
 * The errors about orders that several areas raise, each with its stable code and its French
 * message in one place. An order another organisation owns is "not found" too: its existence is
 * none of the caller's business.
 */
export const orderNotFound = (): DomainError => notFound('order_not_found', 'Commande introuvable : elle n’existe pas ou ne relève pas de votre organisation.');
