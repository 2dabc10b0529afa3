import { formatEuros } from '../../shared/money.ts';
import { formatFrenchDate } from '../../shared/paris-time.ts';
import { DomainError, badRequest, notFound, unprocessable } from '../../shared/problem.ts';

/**
 * The errors about invoices, credit notes and their deposit on Chorus Pro, each with its stable code
 * and its French message in one place. A document another organisation owns is "not found" too.
 */
export const invoiceNotFound = () => notFound('invoice_not_found', 'Facture introuvable.');
export const creditNoteNotFound = () => notFound('credit_note_not_found', 'Avoir introuvable.');

export const paymentExceedsBalance = (invoiceNumber: string, balanceDueCents: number) =>
  unprocessable('payment_exceeds_balance', `Ce paiement dépasse le reste dû de la facture ${invoiceNumber} (${formatEuros(balanceDueCents)}).`, { balanceDueCents });
/** The payment form of the order page: `fields` are the French names of the fields to check. */
export const paymentFormInvalid = (fields: readonly string[]) =>
  badRequest('validation_failed', `Paiement non enregistré : vérifiez ${[...new Set(fields)].join(', ')}.`);

export const noDocumentsInPeriod = (from: string, to: string) =>
  unprocessable('no_documents_in_period', `Aucune facture ni aucun avoir émis du ${formatFrenchDate(from)} au ${formatFrenchDate(to)}.`);

export const chorusProNotApplicable = (documentNumber: string) =>
  unprocessable('chorus_pro_not_applicable', `Le document ${documentNumber} est adressé à un acheteur privé : il ne se dépose pas sur Chorus Pro.`);
export const depositBeforeIssue = (documentNumber: string, depositedOn: string, issuedOn: string) =>
  new DomainError(
    422,
    'deposit_before_issue',
    `La date de dépôt (${formatFrenchDate(depositedOn)}) précède l’émission du document ${documentNumber} (${formatFrenchDate(issuedOn)}).`,
    { errors: [{ path: 'depositedOn', message: `date antérieure à l’émission (${formatFrenchDate(issuedOn)})` }] },
  );
