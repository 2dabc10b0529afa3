import { formatFrenchDate } from '../../shared/paris-time.ts';
import { DomainError, badRequest, conflict, forbidden, notFound, unprocessable } from '../../shared/problem.ts';

/**
 * The errors about reimbursement batches, payouts to places and their statements, each with its
 * stable code and its French message in one place. `period` is a Paris month, AAAA-MM.
 */
export const batchNotFound = () => notFound('batch_not_found', 'Lot de remboursement introuvable.');
export const batchBeingBuilt = () =>
  conflict('batch_being_built', 'Ce lot est en cours de préparation : il pourra être approuvé, exporté et payé quand sa préparation sera terminée.');
/** Labels, not statuses: the French names of the batch's status and of the one it was asked to take. */
export const batchStatusConflict = (currentLabel: string, targetLabel: string) =>
  conflict('batch_status_conflict', `Ce lot est « ${currentLabel} » : impossible de le passer à « ${targetLabel} ».`);
export const batchNotApproved = () => conflict('batch_not_approved', 'Le fichier de virements est disponible après l’approbation du lot.');
export const batchEmpty = () => conflict('batch_empty', 'Ce lot ne contient aucun virement.');
export const fourEyesRequired = () => forbidden('four_eyes_required', 'Ce lot a été préparé par vous : un autre membre des finances doit l’approuver.');
export const paidBeforeApproval = (paidOn: string) =>
  unprocessable('paid_before_approval', `Les virements ne peuvent pas avoir été exécutés le ${formatFrenchDate(paidOn)}, avant l’approbation du lot.`);

export const periodNotClosed = (period: string) =>
  unprocessable('period_not_closed', `Le mois ${period} n’est pas terminé : il sera remboursable à partir du 1er du mois suivant.`);
export const nothingToPay = (period: string) =>
  unprocessable('nothing_to_pay', `Rien à rembourser pour ${period} : aucun passage en caisse en attente d’un lieu aux coordonnées bancaires validées.`);
/** A batch built by a job whose every line was cancelled or taken back while it was being built. */
export const nothingLeftToPay = (period: string) =>
  unprocessable('nothing_to_pay', `Rien à rembourser pour ${period} : tout ce que le lot devait payer a été annulé ou repris entre-temps.`);

export const payoutNotFound = () => notFound('payout_not_found', 'Virement introuvable.');
export const payoutNotRejectable = () => conflict('payout_not_rejectable', 'Seul un virement émis peut être rejeté par la banque.');
export const payoutJustChanged = () => conflict('payout_not_rejectable', 'Ce virement vient de changer d’état.');
/** A bank credit said to be a payout coming back, while that payout is not on its way. */
export const payoutNotOnItsWay = (reference: string) =>
  conflict('payout_not_rejectable', `Le virement ${reference} n’est pas en cours : il ne peut pas revenir.`);

export const statementNotFound = (period: string) =>
  notFound('statement_not_found', `Aucun relevé pour ${period} : aucun remboursement n’a été préparé pour ce mois.`);

// The batch pages' own inputs.
export const periodFormatInvalid = () => badRequest('validation_failed', 'Mois attendu au format AAAA-MM.');
export const approvalNotConfirmed = () => badRequest('confirmation_required', 'Cochez la case de confirmation pour approuver le lot.');
export const rejectionReasonMissing = () => badRequest('validation_failed', 'Indiquez le motif du rejet donné par la banque.');
/** The execution date typed on the batch page, AAAA-MM-JJ. */
export const paymentDateMissing = () => badRequest('validation_failed', 'Indiquez la date d’exécution des virements, par exemple 27/11/2026.');
export const paymentDateInFuture = (paidOn: string) =>
  new DomainError(422, 'date_in_future', `La date d’exécution (${formatFrenchDate(paidOn)}) est dans le futur : indiquez la date à laquelle la banque a exécuté les virements.`);
