import { conflict, notFound, unprocessable, badRequest, type DomainError } from '../../shared/problem.ts';

/**
 * The journal's refusals, each with its stable code and its French message in one place. Callers
 * of the journal are our own code, not users: the messages describe the refused value without
 * internals, and the stable codes are what tests and logs rely on.
 */
const refused = (code: string, detail: string): DomainError => unprocessable(code, `Écriture comptable refusée : ${detail}`);

export const ledgerFieldInvalid = (field: string, max: number) => refused('ledger_invalid_field', `le champ ${field} est vide ou dépasse ${max} caractères.`);
export const ledgerKindInvalid = (kind: string) => refused('ledger_invalid_field', `nature « ${kind.slice(0, 50)} » invalide (snake_case attendu).`);
export const ledgerAmountInvalid = (line: number, value: unknown) =>
  refused('ledger_invalid_amount', `ligne ${line} : montant ${String(value)} invalide (centimes entiers positifs attendus).`);
export const ledgerTooFewLines = () => refused('ledger_too_few_lines', 'une écriture compte au moins deux lignes.');
export const ledgerLineNotOneSided = (line: number) => refused('ledger_line_one_side', `ligne ${line} : un montant au débit ou au crédit, pas les deux ni aucun.`);
export const ledgerAccountUnknown = (line: number, account: unknown) =>
  refused('ledger_unknown_account', `ligne ${line} : compte « ${String(account).slice(0, 100)} » hors du plan de comptes.`);
export const ledgerValueDateInvalid = (valueDate: unknown) =>
  refused('ledger_invalid_value_date', `date de valeur « ${String(valueDate).slice(0, 20)} » invalide (AAAA-MM-JJ attendu).`);
export const ledgerUnbalanced = (debitCents: number, creditCents: number) =>
  refused('ledger_unbalanced', `débits (${debitCents} centimes) et crédits (${creditCents} centimes) diffèrent.`);
export const ledgerReversalOfReversal = (seq: number) =>
  refused('ledger_reversal_of_reversal', `l’écriture n° ${seq} est déjà une contrepassation : passez une nouvelle écriture.`);
export const ledgerReversalMismatch = (seq: number) =>
  refused('ledger_reversal_mismatch', `les lignes ne sont pas celles de l’écriture n° ${seq}, débit et crédit inversés.`);
export const ledgerNegativeBalance = (account: string, afterCents: number) =>
  refused('ledger_negative_balance', `le solde du compte ${account} deviendrait négatif (${afterCents} centimes).`);

export const idempotencyKeyReused = (entryId: string) =>
  conflict('idempotency_key_reused', 'Cette clé d’idempotence a déjà servi pour une autre écriture.', { entryId });
export const entryToReverseNotFound = () => notFound('ledger_entry_not_found', 'Écriture à contrepasser introuvable.');
export const entryAlreadyReversed = (seq: number, reversalSeq: number) =>
  conflict('entry_already_reversed', `L’écriture n° ${seq} a déjà été contrepassée (écriture n° ${reversalSeq}).`);

/** The journal's own seq cursor, not the shared (createdAt, id) one: same code and message for the client. */
export const seqCursorInvalid = () => badRequest('invalid_cursor', 'Le curseur de pagination est invalide : reprenez la liste depuis le début.');
