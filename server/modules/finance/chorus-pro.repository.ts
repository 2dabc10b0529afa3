import { and, eq, inArray, not, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { chorusProDeposits, type ChorusDocumentType } from '../../../db/schema/chorus-pro.ts';

export type ChorusDepositRow = typeof chorusProDeposits.$inferSelect;

export function findDeposit(db: DbOrTx, documentType: ChorusDocumentType, documentId: string): ChorusDepositRow | undefined {
  return db
    .select()
    .from(chorusProDeposits)
    .where(and(eq(chorusProDeposits.documentType, documentType), eq(chorusProDeposits.documentId, documentId)))
    .get();
}

/** The deposits of a page of documents, by document id: one query per 500 ids. */
export function depositsOf(db: DbOrTx, documentType: ChorusDocumentType, documentIds: readonly string[]): Map<string, ChorusDepositRow> {
  const found = new Map<string, ChorusDepositRow>();
  for (let i = 0; i < documentIds.length; i += 500) {
    const rows = db
      .select()
      .from(chorusProDeposits)
      .where(and(eq(chorusProDeposits.documentType, documentType), inArray(chorusProDeposits.documentId, documentIds.slice(i, i + 500))))
      .all();
    for (const row of rows) found.set(row.documentId, row);
  }
  return found;
}

/** Records the deposit, or rewrites it (a correction: the audit log keeps what it said before). */
export function saveDeposit(tx: DbOrTx, row: ChorusDepositRow): void {
  tx.insert(chorusProDeposits)
    .values(row)
    .onConflictDoUpdate({
      target: [chorusProDeposits.documentType, chorusProDeposits.documentId],
      set: { depositedOn: row.depositedOn, flowNumber: row.flowNumber, recordedAt: row.recordedAt, recordedByUserId: row.recordedByUserId },
    })
    .run();
}

export function userNames(db: DbOrTx, ids: readonly string[]): Map<string, string> {
  if (ids.length === 0) return new Map();
  return new Map(db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, [...ids])).all().map((u) => [u.id, u.name]));
}

/** The buyer type of each organisation: whether a buyer's documents go through Chorus Pro. */
export function buyerTypesOf(db: DbOrTx, organisationIds: readonly string[]): Map<string, string | null> {
  const unique = [...new Set(organisationIds)];
  if (unique.length === 0) return new Map();
  return new Map(db.select({ id: organisations.id, buyerType: organisations.buyerType }).from(organisations).where(inArray(organisations.id, unique)).all().map((o) => [o.id, o.buyerType]));
}

/**
 * The list filter on the Chorus Pro deposit, in SQL so that counts, pages and the CSV agree: the
 * document goes through Chorus Pro (`goesThroughChorusPro`, spelled `isPublic` by the caller's
 * tables) and has, or has not yet, a recorded deposit.
 */
export function chorusDepositCondition(type: ChorusDocumentType, documentId: SQLWrapper, isPublic: SQL, wanted: 'pending' | 'deposited'): SQL {
  const deposited = sql`EXISTS (SELECT 1 FROM ${chorusProDeposits} WHERE ${chorusProDeposits.documentType} = ${type} AND ${chorusProDeposits.documentId} = ${documentId})`;
  return and(isPublic, wanted === 'deposited' ? deposited : not(deposited))!;
}
