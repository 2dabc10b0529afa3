/** Reading the journal's accounts: balances from the running totals, the trial balance, an object's entries. */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { journalEntries, journalLines, ledgerAccounts, type NormalSide } from '../../../db/schema/ledger.ts';

export interface AccountBalance {
  code: string;
  name: string;
  normalSide: NormalSide;
  allowNegative: boolean;
  debitCents: number;
  creditCents: number;
  /** Debit minus credit, in cents, whatever the account's normal side. */
  balanceCents: number;
}

/** SQL for "code starts with prefix": LIKE would treat the underscores of `in_transit` as wildcards. */
export const codeStartsWith = (prefix: string) =>
  sql`substr(${ledgerAccounts.code}, 1, ${prefix.length}) = ${prefix}`;

/**
 * Every account (or those whose code starts with `prefix`) with its totals, ordered by code.
 * Read from the running totals; verifyBalances proves them equal to the lines.
 */
export function accountBalances(db: DbOrTx, options: { prefix?: string } = {}): AccountBalance[] {
  const rows = db
    .select({
      code: ledgerAccounts.code,
      name: ledgerAccounts.name,
      normalSide: ledgerAccounts.normalSide,
      allowNegative: ledgerAccounts.allowNegative,
      debitCents: ledgerAccounts.debitTotalCents,
      creditCents: ledgerAccounts.creditTotalCents,
    })
    .from(ledgerAccounts)
    .where(options.prefix ? codeStartsWith(options.prefix) : undefined)
    .orderBy(ledgerAccounts.code)
    .all();
  return rows.map((r) => ({ ...r, balanceCents: r.debitCents - r.creditCents }));
}

/** Debit minus credit of one account, in cents; 0 for an account never used. */
export function balanceOf(db: DbOrTx, code: string): number {
  const account = db
    .select({ debit: ledgerAccounts.debitTotalCents, credit: ledgerAccounts.creditTotalCents })
    .from(ledgerAccounts)
    .where(eq(ledgerAccounts.code, code))
    .get();
  return account ? account.debit - account.credit : 0;
}


export interface TrialBalance {
  debitCents: number;
  creditCents: number;
  balanced: boolean;
}

export function trialBalance(db: DbOrTx): TrialBalance {
  const sums = db
    .select({
      debitCents: sql<number>`coalesce(sum(${journalLines.debitCents}), 0)`,
      creditCents: sql<number>`coalesce(sum(${journalLines.creditCents}), 0)`,
    })
    .from(journalLines)
    .get()!;
  return { ...sums, balanced: sums.debitCents === sums.creditCents };
}


/** The entry ids of a business object, in journal order: for callers that reverse "the entry of redemption X". */
export function entriesOf(db: DbOrTx, refType: string, refId: string): { id: string; seq: number; kind: string; reversesEntryId: string | null }[] {
  return db
    .select({ id: journalEntries.id, seq: journalEntries.seq, kind: journalEntries.kind, reversesEntryId: journalEntries.reversesEntryId })
    .from(journalEntries)
    .where(and(eq(journalEntries.refType, refType), eq(journalEntries.refId, refId)))
    .orderBy(journalEntries.seq)
    .all();
}
