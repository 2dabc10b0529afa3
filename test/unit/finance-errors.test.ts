import t from 'tap';
import { DomainError } from '../../server/shared/problem.ts';
import { formatEuros } from '../../server/shared/money.ts';
import { dateInFuture, orderNotExpiredYet } from '../../server/modules/finance/finance.errors.ts';
import { paymentExceedsBalance } from '../../server/modules/finance/invoices.errors.ts';
import { paidBeforeApproval, batchStatusConflict } from '../../server/modules/finance/reimbursement.errors.ts';
import { queueFieldInvalid, statementUnbalanced } from '../../server/modules/finance/bank-statements.errors.ts';
import { ledgerUnbalanced } from '../../server/modules/finance/ledger.errors.ts';

// The factories keep each error's status, stable code and payload, and their messages name the
// value in French (dates "25 novembre 2026", amounts "12,50 €"), never the raw ISO date or cents.

t.test('dates in messages are French, the field error keeps its path', async (t) => {
  const error = dateInFuture('La date de réception du paiement', '2026-11-30', '2026-11-25', 'receivedOn');
  t.ok(error instanceof DomainError);
  t.equal(error.status, 422);
  t.equal(error.code, 'date_in_future');
  t.match(error.message, /30 novembre 2026.*25 novembre 2026/);
  t.notMatch(error.message, /2026-11/);
  t.same(error.errors, [{ path: 'receivedOn', message: 'date postérieure à aujourd’hui (25 novembre 2026)' }]);

  const notYet = orderNotExpiredYet('2027-01-31');
  t.equal(notYet.code, 'order_not_expired_yet');
  t.match(notYet.message, /jusqu’au 31 janvier 2027/);
  t.same(notYet.extra, { graceEndsOn: '2027-01-31' }, 'the payload keeps the ISO date for API clients');

  t.match(paidBeforeApproval('2026-11-02').message, /exécutés le 2 novembre 2026, avant/);
});

t.test('amounts in messages come from the euro formatter, the payload keeps cents', async (t) => {
  const error = paymentExceedsBalance('FAC-2026-000001', 123450);
  t.equal(error.status, 422);
  t.equal(error.code, 'payment_exceeds_balance');
  t.ok(error.message.includes(`facture FAC-2026-000001 (${formatEuros(123450)})`));
  t.same(error.extra, { balanceDueCents: 123450 });

  const unbalanced = statementUnbalanced({ openingCents: 1000, closingCents: 2500 }, 1000);
  t.equal(unbalanced.code, 'statement_unbalanced');
  t.same(unbalanced.extra, { openingCents: 1000, movementCents: 1000, closingCents: 2500, differenceCents: 500 });
});

t.test('statuses, codes and extras of the other shapes', async (t) => {
  const conflict = batchStatusConflict('Brouillon', 'Payé');
  t.equal(conflict.status, 409);
  t.equal(conflict.message, 'Ce lot est « Brouillon » : impossible de le passer à « Payé ».');

  const field = queueFieldInvalid('number', 'Indiquez le numéro.');
  t.equal(field.status, 400);
  t.equal(field.code, 'validation_failed');
  t.equal(field.field, 'number', 'the queue page shows it beside that field');

  const ledger = ledgerUnbalanced(100, 90);
  t.equal(ledger.status, 422);
  t.equal(ledger.code, 'ledger_unbalanced');
  t.equal(ledger.message, 'Écriture comptable refusée : débits (100 centimes) et crédits (90 centimes) diffèrent.');
});
