import type { Db } from '../../../db/client.ts';
import { accountBalances, trialBalance, verifyBalances, verifyChain } from './ledger.ts';
import * as figures from './reconciliation.repository.ts';

/** One identity finance staff rely on, with what it should be, what it is, and the verdict. */
export interface Check {
  id: string;
  label: string;
  expected: number;
  actual: number;
  balanced: boolean;
  /** Cents, or a count of anomalies. */
  unit: 'cents' | 'count';
}

export interface ReconciliationReport {
  scope: { orderId?: string; period?: string; programId?: string };
  balanced: boolean;
  checks: Check[];
  trialBalance: { code: string; name: string; debitCents: number; creditCents: number; balanceCents: number }[];
  program?: ProgramReport;
  /** Unscoped reports, once a statement is imported: the bank account against the last statement. */
  bank?: BankAgainstStatement;
}

export interface ProgramReport {
  programId: string;
  name: string;
  envelopeCents: number;
  committedCents: number;
  invoicedCents: number;
  paidCents: number;
  creditedCents: number;
  distributionCount: number;
  /** Null when fewer than 5 distributions: too few to publish a share. */
  priorityShareBasisPoints: number | null;
}

const check = (id: string, label: string, expected: number, actual: number, unit: Check['unit'] = 'cents'): Check => ({
  id,
  label,
  expected,
  actual,
  balanced: expected === actual,
  unit,
});

/**
 * The operator's bank account as the journal has it, against the last statement's closing balance.
 * The first statement's opening balance holds money from before the service (capital, other
 * activity): the account is that opening, plus the journal's bank movements from the first
 * statement's start to the last one's end, plus the movements finance set aside as not the
 * service's (bank fees…). A queued, unread movement keeps the two apart until finance reads it.
 */
export interface BankAgainstStatement {
  lastStatementToDate: string;
  closingCents: number;
  accountCents: number;
  openingCents: number;
  journalMovementsCents: number;
  dismissedCents: number;
  unmatchedCount: number;
  unmatchedCents: number;
  agree: boolean;
}

export function bankAgainstStatement(db: Db): BankAgainstStatement | null {
  const range = figures.statementsSpan(db);
  if (!range?.first_from || !range.last_to) return null;
  const openingCents = figures.firstStatementOpening(db);
  const closingCents = figures.lastStatementClosing(db);
  const dismissedCents = figures.dismissedMovementsCents(db);
  const unmatched = figures.unmatchedMovements(db);
  const journalMovementsCents = figures.journalBankMovements(db, range.first_from, range.last_to);
  const accountCents = openingCents + journalMovementsCents + dismissedCents;
  return {
    lastStatementToDate: range.last_to,
    closingCents,
    accountCents,
    openingCents,
    journalMovementsCents,
    dismissedCents,
    unmatchedCount: unmatched.count,
    unmatchedCents: unmatched.cents,
    agree: accountCents === closingCents,
  };
}

/**
 * Every invariant of finance.md that applies to the scope, recomputed from the rows themselves
 * (never from cached totals alone), each with its verdict, plus the trial balance.
 */
export function reconciliationReport(db: Db, scope: { orderId?: string; period?: string; programId?: string } = {}): ReconciliationReport {
  const checks: Check[] = [];
  let bankLine: BankAgainstStatement | null = null;
  const orders: figures.OrderScope = { orderId: scope.orderId, programId: scope.programId };

  // 1. The journal.
  const trial = trialBalance(db);
  checks.push(check('journal_balanced', 'Le journal est équilibré (total des débits = total des crédits)', trial.debitCents, trial.creditCents));
  const cached = verifyBalances(db);
  checks.push(check('balances_rebuilt', 'Les soldes recalculés depuis les lignes égalent les soldes tenus', 0, cached.ok ? 0 : cached.mismatches.length, 'count'));
  const chain = verifyChain(db);
  checks.push(check('hash_chain', 'La chaîne d’empreintes du journal est intacte', 0, chain.ok ? 0 : 1, 'count'));

  // 2. Orders: shares and where the issued value went.
  checks.push(
    check(
      'order_shares',
      'Part État + part commanditaire = total, pour chaque commande',
      0,
      figures.ordersWithSharesOffTotal(db, orders),
      'count',
    ),
  );
  const perStatus = figures.faceValueByPassStatus(db, orders);
  const sumOf = (...statuses: string[]) => perStatus.filter((s) => statuses.includes(s.status)).reduce((a, s) => a + Number(s.v), 0);
  const issued = figures.issuedOrderValue(db, orders);
  checks.push(
    check(
      'issued_value',
      'Valeur émise = en circulation + utilisée + expirée',
      issued,
      sumOf('issued', 'active', 'blocked') + sumOf('redeemed', 'reimbursed') + sumOf('expired'),
    ),
  );

  if (!scope.orderId && !scope.programId) {
    // 3. Outstanding passes.
    const outstanding = accountBalances(db, { prefix: 'passes:outstanding' })[0]?.balanceCents ?? 0;
    checks.push(check('passes_outstanding', 'Compte « pass en circulation » = valeur des pass ni utilisés ni expirés', sumOf('issued', 'active', 'blocked'), -outstanding));

    // 4. What is owed to places.
    const payables = -accountBalances(db, { prefix: 'place:' }).reduce((a, b) => a + b.balanceCents, 0);
    const notExported = figures.redeemedValueNotExported(db);
    checks.push(check('place_payables', 'Dettes envers les lieux = pass utilisés pas encore virés', notExported, payables));

    // 6. The reimbursement chain.
    checks.push(
      check(
        'lines_of_cancelled',
        'Aucune ligne de remboursement pour une utilisation annulée',
        0,
        figures.linesOfCancelledRedemptions(db),
        'count',
      ),
    );
    checks.push(
      check(
        'payout_totals',
        'Chaque virement = somme de ses lignes',
        0,
        figures.payoutsOffTheirLines(db, scope.period),
        'count',
      ),
    );
    checks.push(
      check(
        'batch_totals',
        'Total de chaque lot (CtrlSum du fichier SEPA) = somme de ses virements',
        0,
        figures.batchesOffTheirPayouts(db, scope.period),
        'count',
      ),
    );
    if (scope.period) {
      const month = figures.redemptionsOfPeriod(db, scope.period);
      checks.push(check('period_redemptions', `Utilisations de ${scope.period} = lignes remboursées + en attente`, month.redeemedCents, month.linedCents + month.waitingCents));
    }
  }

  // 8. Credit notes.
  const expired = sumOf('expired');
  const credited = figures.creditedValue(db, orders);
  checks.push(check('credit_notes', 'Avoirs = valeur des pass expirés', expired, credited));
  checks.push(
    check(
      'credit_note_split',
      'Part commanditaire + part État = montant, pour chaque avoir',
      0,
      figures.creditNotesWithSplitOffTotal(db, orders),
      'count',
    ),
  );
  checks.push(
    check(
      'expired_in_one_note',
      'Chaque pass expiré figure dans exactement un avoir',
      figures.expiredPassCount(db, orders),
      figures.passesOnCreditNotes(db, orders),
      'count',
    ),
  );

  // Invoices and receivables.
  checks.push(
    check(
      'invoices_not_overpaid',
      'Aucune facture payée au-delà de son montant',
      0,
      figures.overpaidInvoiceCount(db, orders),
      'count',
    ),
  );
  if (!scope.orderId && !scope.programId) {
    const receivable = accountBalances(db)
      .filter((a) => a.code.endsWith(':receivable'))
      .reduce((s, a) => s + a.balanceCents, 0);
    checks.push(check('receivables', 'Créances au journal = factures restant dues', figures.invoicesStillDue(db), receivable));
    // 10. Document numbers.
    const gaps =
      figures.numberingAnomalies(db, 'invoices', 'number', 'FAC') +
      figures.numberingAnomalies(db, 'credit_notes', 'number', 'AV') +
      figures.numberingAnomalies(db, 'payouts', 'reference', 'RB');
    checks.push(check('numbering', 'Numéros de factures, avoirs et relevés sans trou ni doublon', 0, gaps, 'count'));
    bankLine = bankAgainstStatement(db);
    if (bankLine) checks.push(check('bank_statement', 'Compte bancaire de l’opérateur = solde de clôture du dernier relevé', bankLine.closingCents, bankLine.accountCents));
  }

  // Programmes: commitments never above the envelope, and equal to their rows.
  checks.push(
    check(
      'program_envelopes',
      'Engagements de chaque programme ≤ enveloppe et = engagements par commande − restitutions par les avoirs à l’État',
      0,
      figures.programsOffTheirRows(db, scope.programId),
      'count',
    ),
  );

  const report: ReconciliationReport = {
    scope,
    balanced: checks.every((c) => c.balanced),
    checks,
    trialBalance: accountBalances(db).map((a) => ({ code: a.code, name: a.name, debitCents: a.debitCents, creditCents: a.creditCents, balanceCents: a.balanceCents })),
  };
  if (scope.programId) report.program = programReport(db, scope.programId);
  if (bankLine) report.bank = bankLine;
  return report;
}

/** What the State is told about its programme: commitments, money, and how much went to priority publics. */
export function programReport(db: Db, programId: string): ProgramReport | undefined {
  const found = figures.programFigures(db, programId);
  if (!found) return undefined;
  const { program, distributionCount: total } = found;
  return {
    programId,
    name: program.name,
    envelopeCents: program.envelope_cents,
    committedCents: program.committed_cents,
    invoicedCents: found.invoicedCents,
    paidCents: found.paidCents,
    creditedCents: found.creditedCents,
    distributionCount: total,
    priorityShareBasisPoints: total >= 5 ? Math.floor((found.priorityDistributionCount * 10000) / total) : null,
  };
}
