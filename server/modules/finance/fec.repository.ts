/**
 * The journal as the FEC reads it: a fiscal year's entries (calendar year of the value dates) page
 * by page in seq order, with their lines, and the names of the organisations behind auxiliary
 * accounts. The document numbers (PieceRef) are looked up in ledger.repository.ts.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { journalEntries, journalLines, ledgerAccounts } from '../../../db/schema/ledger.ts';

export type FecRow = { entry: typeof journalEntries.$inferSelect; accountCode: string; accountName: string; debitCents: number; creditCents: number };

const ofYear = (year: number) => sql`substr(${journalEntries.valueDate}, 1, 4) = ${String(year)}`;

/** Every organisation's name by id: the auxiliary account labels. */
export function organisationNamesById(db: DbOrTx): Map<string, string> {
  return new Map(db.select({ id: organisations.id, name: organisations.name }).from(organisations).all().map((o) => [o.id, o.name]));
}

/** How many journal entries have their value date in the year. */
export function journalEntryCountOfYear(db: DbOrTx, year: number): number {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM journal_entries WHERE substr(value_date, 1, 4) = ${String(year)}`)!.n;
}

/** The next `limit` entries of the year after seq `afterSeq`, in seq order. */
export function journalEntryPageOfYear(db: DbOrTx, year: number, afterSeq: number, limit: number): { id: string; seq: number }[] {
  return db
    .select({ id: journalEntries.id, seq: journalEntries.seq })
    .from(journalEntries)
    .where(and(ofYear(year), gt(journalEntries.seq, afterSeq)))
    .orderBy(asc(journalEntries.seq))
    .limit(limit)
    .all();
}

/** The lines of the year's entries with seq in (afterSeq, lastSeq], with their entry, by seq then account code. */
export function journalLinesOfYearBetween(db: DbOrTx, year: number, afterSeq: number, lastSeq: number): FecRow[] {
  return db
    .select({
      entry: journalEntries,
      accountCode: ledgerAccounts.code,
      accountName: ledgerAccounts.name,
      debitCents: journalLines.debitCents,
      creditCents: journalLines.creditCents,
    })
    .from(journalEntries)
    .innerJoin(journalLines, eq(journalLines.entryId, journalEntries.id))
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, journalLines.accountId))
    .where(and(ofYear(year), gt(journalEntries.seq, afterSeq), lte(journalEntries.seq, lastSeq)))
    .orderBy(asc(journalEntries.seq), asc(ledgerAccounts.code))
    .all();
}
