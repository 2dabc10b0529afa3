import { notFound, type DomainError } from '../../shared/problem.ts';

/** The booklet page's one error: a serial the actor may not see reads like one that does not exist. */
export const bookletNotFound = (serial: string): DomainError =>
  notFound('booklet_not_found', `Aucun carnet n° ${serial} parmi ceux que vous pouvez consulter. Vérifiez le numéro imprimé sous le QR code de la couverture.`);
