/**
 * Verification of the journal: running totals against the lines (invariant 1 of finance.md) and the
 * hash chain recomputed from the stored rows (`npm run ledger:verify`, the backup's checks).
 */
import type { Db, DbOrTx } from '../../../db/client.ts';
import { accountTotalsBesideLineSums, journalRowsInChainOrder, type ChainRow } from './ledger-verification.repository.ts';
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
  const rows = accountTotalsBesideLineSums(db);
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

/**
 * Recomputes every hash from the stored rows, in seq order, streaming (constant memory whatever the
 * size of the journal). Stops at the first broken entry. Truncating the tail leaves a valid chain:
 * compare lastSeq/lastHash with a copy kept elsewhere to detect that.
 */
export function verifyChain(db: Db): ChainVerdict {
  const rows = journalRowsInChainOrder(db);

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

