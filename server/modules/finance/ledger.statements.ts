/**
 * The journal's statements: prepared once per connection for the posting path, which runs on every
 * redemption, and the query-builder read of an entry's lines for the rarer reversal.
 */
import { eq } from 'drizzle-orm';
import { cachedPerConnection, type DbOrTx } from '../../../db/client.ts';
import { journalLines, ledgerAccounts, type NormalSide } from '../../../db/schema/ledger.ts';
import type { CanonicalLine } from './ledger.rules.ts';

export function linesOfEntry(db: DbOrTx, entryId: string): CanonicalLine[] {
  return db
    .select({ account: ledgerAccounts.code, debitCents: journalLines.debitCents, creditCents: journalLines.creditCents })
    .from(journalLines)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, journalLines.accountId))
    .where(eq(journalLines.entryId, entryId))
    .orderBy(journalLines.id)
    .all();
}

export interface AccountState {
  id: string;
  normalSide: NormalSide;
  allowNegative: boolean;
  debitTotalCents: number;
  creditTotalCents: number;
  /** Set when this entry opens the account: written with the entry, after every check passed. */
  create?: { code: string; name: string };
}

/**
 * postEntry runs on every redemption (national peak: thousands a second): its statements are
 * prepared once per connection and run on the caller's transaction's connection, instead of being
 * built by the query builder and parsed by SQLite on every call. The rarer paths (reversal checks,
 * reports) keep the query builder.
 */
export const ledgerStatements = cachedPerConnection((client) => ({
  client,
  entryByKey: client.prepare<[string], { id: string; seq: number; kind: string; refType: string; refId: string; reversesEntryId: string | null }>(
    `SELECT id, seq, kind, ref_type AS refType, ref_id AS refId, reverses_entry_id AS reversesEntryId
       FROM journal_entries WHERE idempotency_key = ?`,
  ),
  linesOfEntry: client.prepare<[string], CanonicalLine>(
    `SELECT a.code AS account, l.debit_cents AS debitCents, l.credit_cents AS creditCents
       FROM journal_lines l JOIN ledger_accounts a ON a.id = l.account_id
      WHERE l.entry_id = ? ORDER BY l.id`,
  ),
  accountByCode: client.prepare<
    [string],
    { id: string; normalSide: NormalSide; allowNegative: 0 | 1; debitTotalCents: number; creditTotalCents: number }
  >(
    `SELECT id, normal_side AS normalSide, allow_negative AS allowNegative,
            debit_total_cents AS debitTotalCents, credit_total_cents AS creditTotalCents
       FROM ledger_accounts WHERE code = ?`,
  ),
  insertAccount: client.prepare<[string, string, string, NormalSide, 0 | 1, string]>(
    'INSERT INTO ledger_accounts (id, code, name, normal_side, allow_negative, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ),
  // The head of the hash chain: the unique index on seq answers it without a scan.
  lastEntry: client.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM journal_entries ORDER BY seq DESC LIMIT 1'),
  insertEntry: client.prepare<[string, number, string, string, string, string, string, string, string, string | null, string, string]>(
    `INSERT INTO journal_entries (id, seq, kind, ref_type, ref_id, label, value_date, posted_at, idempotency_key, reverses_entry_id, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  insertLine: client.prepare<[string, string, number, number]>(
    'INSERT INTO journal_lines (entry_id, account_id, debit_cents, credit_cents) VALUES (?, ?, ?, ?)',
  ),
  addToTotals: client.prepare<[number, number, string]>(
    'UPDATE ledger_accounts SET debit_total_cents = debit_total_cents + ?, credit_total_cents = credit_total_cents + ? WHERE id = ?',
  ),
}));
