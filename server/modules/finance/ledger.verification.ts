/**
 * Verification of the journal: running totals against the lines (invariant 1 of finance.md) and the
 * hash chain recomputed from the stored rows (`npm run ledger:verify`, the backup's checks).
 */
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { ledgerAccounts } from '../../../db/schema/ledger.ts';
import { GENESIS_HASH, entryHash, type CanonicalLine } from './ledger.rules.ts';

export interface BalanceMismatch {
  code: string;
  storedDebitCents: number;
  storedCreditCents: number;
  linesDebitCents: number;
  linesCreditCents: number;
}

/**
 * Rebuilds every account's totals from its lines (one pass over the covering index) and lists the
 * accounts whose running totals differ: invariant 1 of finance.md, "cached totals never drift".
 */
export function verifyBalances(db: DbOrTx): { ok: boolean; accounts: number; mismatches: BalanceMismatch[] } {
  // Spelled out: drizzle leaves the columns of a one-table query unqualified, and in the subquery an
  // unqualified `id` would be the line's.
  const rows = db
    .select({
      code: ledgerAccounts.code,
      storedDebitCents: ledgerAccounts.debitTotalCents,
      storedCreditCents: ledgerAccounts.creditTotalCents,
      linesDebitCents: sql<number>`coalesce((SELECT sum(l.debit_cents) FROM journal_lines l WHERE l.account_id = ledger_accounts.id), 0)`,
      linesCreditCents: sql<number>`coalesce((SELECT sum(l.credit_cents) FROM journal_lines l WHERE l.account_id = ledger_accounts.id), 0)`,
    })
    .from(ledgerAccounts)
    .orderBy(ledgerAccounts.code)
    .all();
  const mismatches = rows.filter((r) => r.storedDebitCents !== r.linesDebitCents || r.storedCreditCents !== r.linesCreditCents);
  return { ok: mismatches.length === 0, accounts: rows.length, mismatches };
}

export type ChainBreak = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'unbalanced';

export type ChainVerdict =
  | { ok: true; entries: number; lastSeq: number; lastHash: string }
  | { ok: false; brokenAtSeq: number; reason: ChainBreak; detail: string };

const BREAK_DETAILS: Record<ChainBreak, string> = {
  seq_gap: 'numéro d’écriture manquant ou en double : une écriture a été supprimée ou insérée hors du journal',
  prev_hash_mismatch: 'l’empreinte précédente enregistrée ne correspond pas à celle de l’écriture précédente',
  hash_mismatch: 'l’empreinte recalculée diffère de celle enregistrée : l’écriture ou ses lignes ont été modifiées',
  unbalanced: 'les débits et les crédits de l’écriture diffèrent',
};

interface ChainRow {
  id: string;
  seq: number;
  kind: string;
  ref_type: string;
  ref_id: string;
  label: string;
  value_date: string;
  posted_at: string;
  idempotency_key: string;
  reverses_entry_id: string | null;
  prev_hash: string;
  hash: string;
  account: string | null;
  debit_cents: number | null;
  credit_cents: number | null;
}

/**
 * Recomputes every hash from the stored rows, in seq order, streaming (constant memory whatever the
 * size of the journal). Stops at the first broken entry. Truncating the tail leaves a valid chain:
 * compare lastSeq/lastHash with a copy kept elsewhere to detect that.
 */
export function verifyChain(db: Db): ChainVerdict {
  const rows = db.$client
    .prepare(
      `SELECT e.id, e.seq, e.kind, e.ref_type, e.ref_id, e.label, e.value_date, e.posted_at, e.idempotency_key,
              e.reverses_entry_id, e.prev_hash, e.hash, a.code AS account, l.debit_cents, l.credit_cents
         FROM journal_entries e
         LEFT JOIN journal_lines l ON l.entry_id = e.id
         LEFT JOIN ledger_accounts a ON a.id = l.account_id
        ORDER BY e.seq, l.id`,
    )
    .iterate() as IterableIterator<ChainRow>;

  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  let current: { row: ChainRow; lines: CanonicalLine[] } | undefined;

  const check = (entry: { row: ChainRow; lines: CanonicalLine[] }): ChainVerdict | undefined => {
    const { row, lines } = entry;
    const broken = (reason: ChainBreak): ChainVerdict => ({ ok: false, brokenAtSeq: row.seq, reason, detail: BREAK_DETAILS[reason] });
    if (row.seq !== expectedSeq) return broken('seq_gap');
    if (row.prev_hash !== prevHash) return broken('prev_hash_mismatch');
    const recomputed = entryHash(prevHash, {
      id: row.id,
      seq: row.seq,
      kind: row.kind,
      refType: row.ref_type,
      refId: row.ref_id,
      label: row.label,
      valueDate: row.value_date,
      postedAt: row.posted_at,
      idempotencyKey: row.idempotency_key,
      reversesEntryId: row.reverses_entry_id,
      lines,
    });
    if (recomputed !== row.hash) return broken('hash_mismatch');
    const debits = lines.reduce((s, l) => s + l.debitCents, 0);
    const credits = lines.reduce((s, l) => s + l.creditCents, 0);
    if (lines.length < 2 || debits !== credits) return broken('unbalanced');
    expectedSeq += 1;
    prevHash = row.hash;
    count += 1;
    return undefined;
  };

  for (const row of rows) {
    if (!current || current.row.id !== row.id) {
      if (current) {
        const verdict = check(current);
        // Leaving the loop early closes the statement's iterator.
        if (verdict) return verdict;
      }
      current = { row, lines: [] };
    }
    if (row.account !== null) {
      current.lines.push({ account: row.account, debitCents: row.debit_cents ?? 0, creditCents: row.credit_cents ?? 0 });
    }
  }
  if (current) {
    const verdict = check(current);
    if (verdict) return verdict;
  }
  return { ok: true, entries: count, lastSeq: expectedSeq - 1, lastHash: prevHash };
}

