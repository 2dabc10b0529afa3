import { and, asc, eq, lte, sql, sum } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import type { BuyerType } from '../../../db/schema/accounts.ts';
import { cofinancingPrograms, programCommitments, programReleases, type ProgramStatus } from '../../../db/schema/programs.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, ignoringCase, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';

export type ProgramRow = typeof cofinancingPrograms.$inferSelect;
export type ProgramCommitmentRow = typeof programCommitments.$inferSelect;
export type ProgramReleaseRow = typeof programReleases.$inferSelect;

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

/**
 * Cents of the programme's envelope this buyer's approved orders still hold: their commitments
 * less what State credit notes on them released (the per-buyer cap counts what the buyer keeps).
 */
export function committedForBuyer(db: DbOrTx, programId: string, buyerId: string): number {
  const committed = db
    .select({ total: sum(programCommitments.amountCents).mapWith(Number) })
    .from(programCommitments)
    .where(and(eq(programCommitments.programId, programId), eq(programCommitments.buyerId, buyerId)))
    .get();
  const released = db
    .select({ total: sum(programReleases.amountCents).mapWith(Number) })
    .from(programReleases)
    .where(and(eq(programReleases.programId, programId), eq(programReleases.buyerId, buyerId)))
    .get();
  return (committed?.total ?? 0) - (released?.total ?? 0);
}

/** What State credit notes already released of one order's commitment. */
export function releasedForOrder(db: DbOrTx, orderId: string): number {
  const row = db
    .select({ total: sum(programReleases.amountCents).mapWith(Number) })
    .from(programReleases)
    .where(eq(programReleases.orderId, orderId))
    .get();
  return row?.total ?? 0;
}

export function insertRelease(db: DbOrTx, row: ProgramReleaseRow): void {
  db.insert(programReleases).values(row).run();
}

/** Moves an amount from committed to released, only while the programme still holds it committed. */
export function moveCommittedToReleased(db: DbOrTx, programId: string, amountCents: number): boolean {
  const updated = db
    .update(cofinancingPrograms)
    .set({
      committedCents: sql`${cofinancingPrograms.committedCents} - ${amountCents}`,
      releasedCents: sql`${cofinancingPrograms.releasedCents} + ${amountCents}`,
    })
    .where(and(eq(cofinancingPrograms.id, programId), sql`${cofinancingPrograms.committedCents} >= ${amountCents}`))
    .run();
  return updated.changes === 1;
}

/** Sum of the commitment rows: equals the programme's committed_cents + released_cents (reconciliation). */
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

export function insertProgram(db: DbOrTx, row: ProgramRow): void {
  db.insert(cofinancingPrograms).values(row).run();
}

/**
 * Applies an edit only while what is committed fits in the new envelope: the bound is part of the
 * UPDATE, so a commitment landing meanwhile cannot slip under it. False when it did not.
 */
export function updateProgramWithinCommitted(db: DbOrTx, id: string, changes: Partial<ProgramRow>, envelopeCents: number): boolean {
  return (
    db
      .update(cofinancingPrograms)
      .set(changes)
      .where(and(eq(cofinancingPrograms.id, id), lte(cofinancingPrograms.committedCents, envelopeCents)))
      .run().changes === 1
  );
}

/** Closes an open programme; false when it was not open (already closed). */
export function closeOpenProgram(db: DbOrTx, id: string): boolean {
  return (
    db
      .update(cofinancingPrograms)
      .set({ status: 'closed' })
      .where(and(eq(cofinancingPrograms.id, id), eq(cofinancingPrograms.status, 'open')))
      .run().changes === 1
  );
}

/**
 * Adds an amount to what an open programme has committed, only while the envelope can take it:
 * one conditional UPDATE, so two approvals never over-commit whatever their interleaving.
 */
export function addToCommitted(db: DbOrTx, programId: string, amountCents: number): boolean {
  return (
    db
      .update(cofinancingPrograms)
      .set({ committedCents: sql`${cofinancingPrograms.committedCents} + ${amountCents}` })
      .where(
        and(
          eq(cofinancingPrograms.id, programId),
          sql`${cofinancingPrograms.committedCents} + ${amountCents} <= ${cofinancingPrograms.envelopeCents}`,
          eq(cofinancingPrograms.status, 'open'),
        ),
      )
      .run().changes === 1
  );
}

export function insertCommitment(db: DbOrTx, row: ProgramCommitmentRow): void {
  db.insert(programCommitments).values(row).run();
}

// --- The /programmes list (issue 16): search, filters, sort, pages -------------------------------

export const PROGRAM_SORTS = {
  date: cofinancingPrograms.createdAt,
  nom: ignoringCase(cofinancingPrograms.name),
  debut: cofinancingPrograms.startsOn,
  enveloppe: cofinancingPrograms.envelopeCents,
  // What the view calls "restant": envelope − committed in all + released = envelope − what orders still hold.
  restant: sql`${cofinancingPrograms.envelopeCents} - ${cofinancingPrograms.committedCents}`,
} as const;
export type ProgramSort = keyof typeof PROGRAM_SORTS;

export interface ProgramCriteria {
  q: string;
  status?: ProgramStatus;
  buyerType?: BuyerType;
}

function programWhere(criteria: ProgramCriteria) {
  return and(
    searchCondition(criteria.q, [cofinancingPrograms.name]),
    criteria.status ? eq(cofinancingPrograms.status, criteria.status) : undefined,
    criteria.buyerType ? sql`EXISTS (SELECT 1 FROM json_each(${cofinancingPrograms.eligibleBuyerTypes}) WHERE json_each.value = ${criteria.buyerType})` : undefined,
  );
}

const matchingPrograms = (db: DbOrTx, criteria: ProgramCriteria) => db.select().from(cofinancingPrograms).where(programWhere(criteria)).$dynamic();

export function countProgramSearch(db: DbOrTx, criteria: ProgramCriteria): number {
  return countMatching(db, matchingPrograms(db, criteria));
}

export function searchPrograms(db: DbOrTx, criteria: ProgramCriteria, sort: { key: ProgramSort; dir: SortDirection }, window: ListWindow): ProgramRow[] {
  return readWindow(matchingPrograms(db, criteria), orderByFor(PROGRAM_SORTS, sort, cofinancingPrograms.id), window);
}
