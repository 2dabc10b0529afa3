/** The journal's verification reads (ledger.verification.ts): running totals beside line sums, and the hash chain in order. */
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { ledgerAccounts } from '../../../db/schema/ledger.ts';

/** Every account's running totals beside the sums of its lines (one pass over the covering index), by code. */
export function accountTotalsBesideLineSums(db: DbOrTx): { code: string; storedDebitCents: number; storedCreditCents: number; linesDebitCents: number; linesCreditCents: number }[] {
  // Spelled out: drizzle leaves the columns of a one-table query unqualified, and in the subquery an
  // unqualified `id` would be the line's.
  return db
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
}

/** One stored journal row per line (an entry without lines gives one row of nulls), as the chain check reads it. */
export interface ChainRow {
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
 * Every entry with its lines, in seq then line order, streamed (constant memory whatever the size
 * of the journal). Leaving the loop early closes the statement's iterator.
 */
export function journalRowsInChainOrder(db: Db): IterableIterator<ChainRow> {
  return db.$client
    .prepare(
      `SELECT e.id, e.seq, e.kind, e.ref_type, e.ref_id, e.label, e.value_date, e.posted_at, e.idempotency_key,
              e.reverses_entry_id, e.prev_hash, e.hash, a.code AS account, l.debit_cents, l.credit_cents
         FROM journal_entries e
         LEFT JOIN journal_lines l ON l.entry_id = e.id
         LEFT JOIN ledger_accounts a ON a.id = l.account_id
        ORDER BY e.seq, l.id`,
    )
    .iterate() as IterableIterator<ChainRow>;
}
