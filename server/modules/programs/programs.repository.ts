import { and, asc, eq, sql, sum } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { cofinancingPrograms, programCommitments, type ProgramStatus } from '../../../db/schema/programs.ts';

export type ProgramRow = typeof cofinancingPrograms.$inferSelect;
export type ProgramCommitmentRow = typeof programCommitments.$inferSelect;

// Programmes are national reference data, not an organisation's objects: every logged-in user may
// read them (buyers pick one when ordering), so these queries take no actor scope.

export function findProgram(db: DbOrTx, id: string): ProgramRow | undefined {
  return db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, id)).get();
}

/** Keyset pagination on (createdAt, id), like every other list. */
export function listPrograms(
  db: DbOrTx,
  page: { limit: number; after?: { createdAt: string; id: string }; status?: ProgramStatus },
): ProgramRow[] {
  const after = page.after
    ? sql`(${cofinancingPrograms.createdAt}, ${cofinancingPrograms.id}) > (${page.after.createdAt}, ${page.after.id})`
    : undefined;
  return db
    .select()
    .from(cofinancingPrograms)
    .where(and(page.status ? eq(cofinancingPrograms.status, page.status) : undefined, after))
    .orderBy(asc(cofinancingPrograms.createdAt), asc(cofinancingPrograms.id))
    .limit(page.limit + 1)
    .all();
}

/** Cents of the programme's envelope already committed to this buyer's approved orders. */
export function committedForBuyer(db: DbOrTx, programId: string, buyerId: string): number {
  const row = db
    .select({ total: sum(programCommitments.amountCents).mapWith(Number) })
    .from(programCommitments)
    .where(and(eq(programCommitments.programId, programId), eq(programCommitments.buyerId, buyerId)))
    .get();
  return row?.total ?? 0;
}

/** Sum of the commitment rows: must always equal the programme's committed_cents (reconciliation). */
export function sumOfCommitments(db: DbOrTx, programId: string): number {
  const row = db
    .select({ total: sum(programCommitments.amountCents).mapWith(Number) })
    .from(programCommitments)
    .where(eq(programCommitments.programId, programId))
    .get();
  return row?.total ?? 0;
}

export function findCommitmentForOrder(db: DbOrTx, orderId: string): ProgramCommitmentRow | undefined {
  return db.select().from(programCommitments).where(eq(programCommitments.orderId, orderId)).get();
}
