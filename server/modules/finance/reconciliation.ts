import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { accountBalances, trialBalance, verifyBalances, verifyChain } from './ledger.ts';

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

const num = (db: Db, query: SQL): number => Number(db.get<{ v: number | null }>(query)?.v ?? 0);

/** Gaps or duplicates in a gapless numbering (FAC-2026-000001…), per year: the count of anomalies. */
function numberingAnomalies(db: Db, table: string, column: string, prefix: string): number {
  const rows = db.all<{ year: string; n: number; max: number; distinct_n: number }>(
    sql.raw(`SELECT substr(${column}, ${prefix.length + 2}, 4) AS year, COUNT(*) AS n,
                    MAX(CAST(substr(${column}, ${prefix.length + 7}) AS INTEGER)) AS max,
                    COUNT(DISTINCT ${column}) AS distinct_n
             FROM ${table} WHERE ${column} LIKE '${prefix}-%' GROUP BY year`),
  );
  return rows.reduce((sum, r) => sum + Math.abs(r.max - r.n) + (r.n - r.distinct_n), 0);
}

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
  const range = db.get<{ first_from: string | null; last_to: string | null }>(sql`SELECT MIN(from_date) AS first_from, MAX(to_date) AS last_to FROM bank_statements`);
  if (!range?.first_from || !range.last_to) return null;
  const openingCents = num(db, sql`SELECT opening_cents AS v FROM bank_statements ORDER BY from_date ASC, imported_at ASC, rowid ASC LIMIT 1`);
  const closingCents = num(db, sql`SELECT closing_cents AS v FROM bank_statements ORDER BY to_date DESC, imported_at DESC, rowid DESC LIMIT 1`);
  const signed = sql`SUM(CASE WHEN direction = 'credit' THEN amount_cents ELSE -amount_cents END)`;
  const dismissedCents = num(db, sql`SELECT ${signed} AS v FROM bank_entries WHERE status = 'dismissed'`);
  const unmatched = db.get<{ n: number; v: number | null }>(sql`SELECT COUNT(*) AS n, ${signed} AS v FROM bank_entries WHERE status = 'unmatched'`);
  const journalMovementsCents = num(
    db,
    sql`SELECT SUM(l.debit_cents - l.credit_cents) AS v FROM journal_lines l
        JOIN journal_entries e ON e.id = l.entry_id JOIN ledger_accounts a ON a.id = l.account_id
        WHERE a.code = 'bank' AND e.value_date >= ${range.first_from} AND e.value_date <= ${range.last_to}`,
  );
  const accountCents = openingCents + journalMovementsCents + dismissedCents;
  return {
    lastStatementToDate: range.last_to,
    closingCents,
    accountCents,
    openingCents,
    journalMovementsCents,
    dismissedCents,
    unmatchedCount: Number(unmatched?.n ?? 0),
    unmatchedCents: Number(unmatched?.v ?? 0),
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
  const orderFilter = scope.orderId ? sql`AND o.id = ${scope.orderId}` : scope.programId ? sql`AND o.program_id = ${scope.programId}` : sql``;

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
      num(db, sql`SELECT COUNT(*) AS v FROM orders o WHERE o.state_share_cents + o.buyer_share_cents != o.total_cents ${orderFilter}`),
      'count',
    ),
  );
  const perStatus = db.all<{ status: string; v: number }>(
    sql`SELECT p.status, SUM(p.face_value_cents) AS v FROM passes p JOIN orders o ON o.id = p.order_id WHERE 1 = 1 ${orderFilter} GROUP BY p.status`,
  );
  const sumOf = (...statuses: string[]) => perStatus.filter((s) => statuses.includes(s.status)).reduce((a, s) => a + Number(s.v), 0);
  const issued = num(db, sql`SELECT SUM(o.total_cents) AS v FROM orders o WHERE o.status IN ('approved', 'closed') ${orderFilter}`);
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
    const notExported = num(
      db,
      sql`SELECT SUM(r.amount_cents) AS v FROM redemptions r WHERE r.status = 'live' AND NOT EXISTS (
            SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
            JOIN payouts p ON p.id = pl.payout_id WHERE l.redemption_id = r.id AND p.status IN ('approved', 'paid'))`,
    );
    checks.push(check('place_payables', 'Dettes envers les lieux = pass utilisés pas encore virés', notExported, payables));

    // 6. The reimbursement chain.
    const periodFilter = scope.period ? sql`AND b.period = ${scope.period}` : sql``;
    checks.push(
      check(
        'lines_of_cancelled',
        'Aucune ligne de remboursement pour une utilisation annulée',
        0,
        num(db, sql`SELECT COUNT(*) AS v FROM reimbursement_lines l JOIN redemptions r ON r.id = l.redemption_id WHERE r.status != 'live'`),
        'count',
      ),
    );
    checks.push(
      check(
        'payout_totals',
        'Chaque virement = somme de ses lignes',
        0,
        num(
          db,
          sql`SELECT COUNT(*) AS v FROM (SELECT p.id FROM payouts p JOIN reimbursement_batches b ON b.id = p.batch_id
              LEFT JOIN payout_lines pl ON pl.payout_id = p.id AND pl.active = 1 LEFT JOIN reimbursement_lines l ON l.id = pl.line_id
              WHERE p.status != 'rejected' ${periodFilter} GROUP BY p.id HAVING COALESCE(SUM(l.amount_cents), 0) != MAX(p.amount_cents))`,
        ),
        'count',
      ),
    );
    checks.push(
      check(
        'batch_totals',
        'Total de chaque lot (CtrlSum du fichier SEPA) = somme de ses virements',
        0,
        num(
          db,
          sql`SELECT COUNT(*) AS v FROM reimbursement_batches b WHERE b.total_cents != (
              SELECT COALESCE(SUM(p.amount_cents), 0) FROM payouts p WHERE p.batch_id = b.id AND p.status != 'rejected') ${periodFilter}`,
        ),
        'count',
      ),
    );
    if (scope.period) {
      const redeemedInPeriod = num(db, sql`SELECT SUM(amount_cents) AS v FROM redemptions WHERE status = 'live' AND period = ${scope.period}`);
      const linedInPeriod = num(db, sql`SELECT SUM(l.amount_cents) AS v FROM reimbursement_lines l WHERE l.period = ${scope.period}`);
      const waiting = num(
        db,
        sql`SELECT SUM(amount_cents) AS v FROM redemptions WHERE status = 'live' AND period = ${scope.period} AND batched_at IS NULL`,
      );
      checks.push(check('period_redemptions', `Utilisations de ${scope.period} = lignes remboursées + en attente`, redeemedInPeriod, linedInPeriod + waiting));
    }
  }

  // 8. Credit notes.
  const expired = sumOf('expired');
  const credited = num(db, sql`SELECT SUM(c.total_cents) AS v FROM credit_notes c JOIN orders o ON o.id = c.order_id WHERE 1 = 1 ${orderFilter}`);
  checks.push(check('credit_notes', 'Avoirs = valeur des pass expirés', expired, credited));
  checks.push(
    check(
      'credit_note_split',
      'Part commanditaire + part État = montant, pour chaque avoir',
      0,
      num(db, sql`SELECT COUNT(*) AS v FROM credit_notes c JOIN orders o ON o.id = c.order_id WHERE c.buyer_share_cents + c.state_share_cents != c.total_cents ${orderFilter}`),
      'count',
    ),
  );
  checks.push(
    check(
      'expired_in_one_note',
      'Chaque pass expiré figure dans exactement un avoir',
      num(db, sql`SELECT COUNT(*) AS v FROM passes p JOIN orders o ON o.id = p.order_id WHERE p.status = 'expired' ${orderFilter}`),
      num(db, sql`SELECT COUNT(*) AS v FROM credit_note_passes cp JOIN credit_notes c ON c.id = cp.credit_note_id JOIN orders o ON o.id = c.order_id WHERE 1 = 1 ${orderFilter}`),
      'count',
    ),
  );

  // Invoices and receivables.
  checks.push(
    check(
      'invoices_not_overpaid',
      'Aucune facture payée au-delà de son montant',
      0,
      num(db, sql`SELECT COUNT(*) AS v FROM invoices i JOIN orders o ON o.id = i.order_id WHERE i.paid_cents > i.total_cents ${orderFilter}`),
      'count',
    ),
  );
  if (!scope.orderId && !scope.programId) {
    const receivable = accountBalances(db)
      .filter((a) => a.code.endsWith(':receivable'))
      .reduce((s, a) => s + a.balanceCents, 0);
    checks.push(check('receivables', 'Créances au journal = factures restant dues', num(db, sql`SELECT SUM(total_cents - paid_cents) AS v FROM invoices`), receivable));
    // 10. Document numbers.
    const gaps =
      numberingAnomalies(db, 'invoices', 'number', 'FAC') + numberingAnomalies(db, 'credit_notes', 'number', 'AV') + numberingAnomalies(db, 'payouts', 'reference', 'RB');
    checks.push(check('numbering', 'Numéros de factures, avoirs et relevés sans trou ni doublon', 0, gaps, 'count'));
    bankLine = bankAgainstStatement(db);
    if (bankLine) checks.push(check('bank_statement', 'Compte bancaire de l’opérateur = solde de clôture du dernier relevé', bankLine.closingCents, bankLine.accountCents));
  }

  // Programmes: commitments never above the envelope, and equal to their rows.
  const programFilter = scope.programId ? sql`WHERE c.id = ${scope.programId}` : sql``;
  checks.push(
    check(
      'program_envelopes',
      'Engagements de chaque programme ≤ enveloppe et = engagements par commande − restitutions par les avoirs à l’État',
      0,
      num(
        db,
        sql`SELECT COUNT(*) AS v FROM cofinancing_programs c ${programFilter} ${scope.programId ? sql`AND` : sql`WHERE`} (c.committed_cents > c.envelope_cents
            OR c.committed_cents != (SELECT COALESCE(SUM(amount_cents), 0) FROM program_commitments pc WHERE pc.program_id = c.id)
                                    - (SELECT COALESCE(SUM(amount_cents), 0) FROM program_releases pr WHERE pr.program_id = c.id)
            OR c.released_cents != (SELECT COALESCE(SUM(amount_cents), 0) FROM program_releases pr WHERE pr.program_id = c.id))`,
      ),
      'count',
    ),
  );

  const report: ReconciliationReport = {
    scope,
    balanced: checks.every((c) => c.balanced),
    checks,
    trialBalance: accountBalances(db).map((a) => ({ code: a.code, name: readableAccountName(db, a.code, a.name), debitCents: a.debitCents, creditCents: a.creditCents, balanceCents: a.balanceCents })),
  };
  if (scope.programId) report.program = programReport(db, scope.programId);
  if (bankLine) report.bank = bankLine;
  return report;
}

/** Account names carry the id of their organisation or programme: show its name instead. */
function readableAccountName(db: Db, code: string, name: string): string {
  const [head, id] = code.split(':');
  if (!id || (head !== 'buyer' && head !== 'place' && head !== 'program')) return name;
  const row =
    head === 'program'
      ? db.get<{ name: string }>(sql`SELECT name FROM cofinancing_programs WHERE id = ${id}`)
      : db.get<{ name: string }>(sql`SELECT name FROM organisations WHERE id = ${id}`);
  return row ? name.replace(id, row.name) : name;
}

/** What the State is told about its programme: commitments, money, and how much went to priority publics. */
export function programReport(db: Db, programId: string): ProgramReport | undefined {
  const program = db.get<{ id: string; name: string; envelope_cents: number; committed_cents: number }>(
    sql`SELECT id, name, envelope_cents, committed_cents FROM cofinancing_programs WHERE id = ${programId}`,
  );
  if (!program) return undefined;
  const invoices = db.get<{ invoiced: number | null; paid: number | null }>(
    sql`SELECT SUM(total_cents) AS invoiced, SUM(paid_cents) AS paid FROM invoices WHERE party = 'state' AND program_id = ${programId}`,
  );
  const credited = num(db, sql`SELECT SUM(state_share_cents) AS v FROM credit_notes WHERE program_id = ${programId}`);
  const dist = db.get<{ total: number; priority: number | null }>(
    sql`SELECT COUNT(*) AS total, SUM(CASE WHEN pc.priority = 1 THEN 1 ELSE 0 END) AS priority
        FROM distributions d JOIN booklets b ON b.id = d.booklet_id JOIN orders o ON o.id = b.order_id
        LEFT JOIN public_categories pc ON pc.code = d.public_category
        WHERE o.program_id = ${programId}`,
  );
  const total = Number(dist?.total ?? 0);
  return {
    programId,
    name: program.name,
    envelopeCents: program.envelope_cents,
    committedCents: program.committed_cents,
    invoicedCents: Number(invoices?.invoiced ?? 0),
    paidCents: Number(invoices?.paid ?? 0),
    creditedCents: credited,
    distributionCount: total,
    priorityShareBasisPoints: total >= 5 ? Math.floor((Number(dist?.priority ?? 0) * 10000) / total) : null,
  };
}
