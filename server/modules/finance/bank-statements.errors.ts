import { formatEuros } from '../../shared/money.ts';
import { DomainError, badRequest, conflict, notFound, unprocessable } from '../../shared/problem.ts';

/**
 * The errors about bank statements and the movements they bring, each with its stable code and its
 * French message in one place.
 */

/** `detail` says what could not be read, e.g. "montant « 12,x » invalide (solde d’ouverture)". */
export const statementUnreadable = (detail: string) => unprocessable('statement_unreadable', `Relevé illisible : ${detail}`);
export const camtVersionUnsupported = () =>
  unprocessable('statement_format_unsupported', 'Format de relevé non pris en charge : camt.053.001.02 ou camt.053.001.08 attendu.');
export const statementContentTypeUnsupported = () =>
  unprocessable('statement_format_unsupported', 'Relevé attendu en application/xml (camt.053) ou text/plain (CFONB 120).');
export const statementUnbalanced = (statement: { openingCents: number; closingCents: number }, movementCents: number) =>
  new DomainError(
    422,
    'statement_unbalanced',
    `Le relevé ne s’équilibre pas : solde d’ouverture ${formatEuros(statement.openingCents)} + mouvements ${formatEuros(movementCents)} = ${formatEuros(statement.openingCents + movementCents)}, solde de clôture annoncé ${formatEuros(statement.closingCents)}.`,
    {
      extra: {
        openingCents: statement.openingCents,
        movementCents,
        closingCents: statement.closingCents,
        differenceCents: statement.closingCents - statement.openingCents - movementCents,
      },
    },
  );
export const statementWrongAccount = (account: string) =>
  unprocessable('statement_wrong_account', `Ce relevé est celui du compte ${account}, pas du compte de l’opérateur.`);
export const bankStatementNotFound = () => notFound('bank_statement_not_found', 'Relevé bancaire introuvable.');

export const bankEntryNotFound = () => notFound('bank_entry_not_found', 'Mouvement bancaire introuvable.');
export const bankEntryAlreadyResolved = () => conflict('bank_entry_already_resolved', 'Ce mouvement a déjà été rapproché ou écarté.');
export const onlyCreditsPayInvoices = () => unprocessable('bank_entry_direction', 'Seul un virement reçu peut payer une facture.');
export const bankEntryAmountMismatch = (payout: { reference: string; amountCents: number }, entryCents: number) =>
  unprocessable('bank_entry_mismatch', `Le virement ${payout.reference} (${formatEuros(payout.amountCents)}) ne correspond pas à ce mouvement de ${formatEuros(entryCents)}.`);
export const payoutNotAwaitingExecution = (reference: string) =>
  unprocessable('bank_entry_mismatch', `Le virement ${reference} n’attend pas d’exécution à cette date : ce débit ne peut pas l’exécuter.`);

/**
 * A field of the queue's forms (the number to match, the reason to set aside): the page shows the
 * message next to that field of that movement, hence the `field` it carries.
 */
export const queueFieldInvalid = (field: 'number' | 'reason', message: string) => Object.assign(badRequest('validation_failed', message), { field });
