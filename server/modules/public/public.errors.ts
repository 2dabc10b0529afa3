import { badRequest, notFound, type DomainError } from '../../shared/problem.ts';

/** The errors of the public pages and API (directory, booklet check), in the words of a visitor. */

export const publicSiteNotFound = (): DomainError => notFound('place_not_found', 'Ce lieu n’existe pas ou n’est plus labellisé Pass numérique.');

export const publicBookletNotFound = (serial: string): DomainError => notFound('booklet_not_found', `Aucun carnet ne porte le numéro ${serial} : vérifiez-le sur la couverture.`);

export const invalidCursor = (): DomainError => badRequest('invalid_cursor', 'Le curseur de pagination est invalide : reprenez la liste depuis le début.');
