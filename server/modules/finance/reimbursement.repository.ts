import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { payouts, reimbursementBatches, reimbursementStatusLog, type BatchStatus } from '../../../db/schema/reimbursement.ts';
import type { Clock } from '../../shared/clock.ts';
import { conflict, notFound } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { reserveSequenceRange } from '../../shared/sequences.repository.ts';
import type { AuditActor } from '../audit/audit.repository.ts';
import { PAYABLE_PLACE_IDS, bankAccountForNewPayout } from '../places/bank-accounts.repository.ts';

export { nextPayablePlace } from '../places/bank-accounts.repository.ts';

/**
 * The queries of the reimbursement chain shared by the batch builders (in one transaction, or as
 * a job in steps), payment and settlement, and the read side.
 */
export type BatchRow = typeof reimbursementBatches.$inferSelect;
export type PayoutRow = typeof payouts.$inferSelect;

/** The batch statuses in the words of the pages and messages. */
export const BATCH_STATUS_LABELS: Record<BatchStatus, string> = {
  building: 'En préparation',
  draft: 'À approuver',
  approved: 'Approuvé — virements émis',
  paid: 'Payé',
};

export function logStatus(tx: DbOrTx, clock: Clock, subject: { type: 'batch' | 'payout'; id: string }, from: string | null, to: string, actor: AuditActor | null, reason?: string) {
  tx.insert(reimbursementStatusLog)
    .values({ subjectType: subject.type, subjectId: subject.id, fromStatus: from, toStatus: to, actorUserId: actor?.userId ?? null, reason: reason ?? null, at: clock.now().toISOString() })
    .run();
}

/** Reserves `count` consecutive statement references in one statement, so they stay gapless. */
export function reserveReferences(tx: DbOrTx, year: string, count: number): string[] {
  if (count === 0) return [];
  const first = reserveSequenceRange(tx, `RB-${year}`, count);
  return Array.from({ length: count }, (_, i) => `RB-${year}-${String(first + i).padStart(6, '0')}`);
}

export const batchBeingBuilt = () =>
  conflict('batch_being_built', 'Ce lot est en cours de préparation : il pourra être approuvé, exporté et payé quand sa préparation sera terminée.');

export function requireBatch(db: DbOrTx, batchId: string): BatchRow {
  const batch = db.select().from(reimbursementBatches).where(eq(reimbursementBatches.id, batchId)).get();
  if (!batch) throw notFound('batch_not_found', 'Lot de remboursement introuvable.');
  return batch;
}

export function batchOfPeriod(db: DbOrTx, period: string): BatchRow | undefined {
  return db.select().from(reimbursementBatches).where(eq(reimbursementBatches.period, period)).get();
}

/**
 * What a batch of `period` would pay, counted without writing: live redemptions not yet taken by a
 * batch, and lines left open by a rejected payout, up to the period, of places that can be paid.
 * Zero means no batch (nothing_to_pay); the count decides between building at once and a job.
 */
export function countBatchCandidates(tx: DbOrTx, period: string): number {
  const redemptions = tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM redemptions
    WHERE status = 'live' AND batched_at IS NULL AND period <= ${period} AND place_id IN ${PAYABLE_PLACE_IDS}`).n;
  const openLines = tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM reimbursement_lines l
    WHERE l.period <= ${period} AND l.place_id IN ${PAYABLE_PLACE_IDS}
      AND NOT EXISTS (SELECT 1 FROM payout_lines pl WHERE pl.line_id = l.id AND pl.active = 1)`).n;
  return redemptions + openLines;
}

/**
 * Takes up to `limit` of a place's waiting redemptions (the caller checked it can be paid) into the batch: a reimbursement line each and
 * `batched_at` set, in the same statement pair, so that from this transaction on the place can no
 * longer cancel them (the cancellation checks `batched_at IS NULL` in its own conditional UPDATE).
 * A redemption cancelled before is no longer live and is never taken. In redemption-id order, like
 * the one-transaction build. Returns how many were taken.
 */
export function gatherPlaceLines(tx: DbOrTx, input: { placeId: string; period: string; at: string; limit: number }): number {
  const { placeId, period, at, limit } = input;
  const before = tx.get<{ id: number }>(sql`SELECT COALESCE(MAX(id), 0) AS id FROM reimbursement_lines`).id;
  const inserted = tx.run(sql`INSERT INTO reimbursement_lines (redemption_id, place_id, amount_cents, period, created_at)
    SELECT r.id, r.place_id, r.amount_cents, r.period, ${at} FROM redemptions r
    WHERE r.place_id = ${placeId} AND r.period <= ${period} AND r.status = 'live' AND r.batched_at IS NULL
    ORDER BY r.id LIMIT ${limit}`).changes;
  if (inserted === 0) return 0;
  // The lines just written are those above the previous maximum: this transaction is the only writer.
  tx.run(sql`UPDATE redemptions SET batched_at = ${at}
    WHERE id IN (SELECT redemption_id FROM reimbursement_lines WHERE id > ${before} AND place_id = ${placeId})`);
  return inserted;
}

/**
 * The payout of one place in a batch: every open line of the place up to the period, summed, with the
 * bank details copied, linked and re-checked against its lines in the caller's transaction. Nothing
 * when the place has no open line, is no longer payable (new bank details waiting: its lines wait for
 * a later batch), or already has its payout in this batch (a step replayed by a new job).
 */
export function createPlacePayout(tx: DbOrTx, input: { batchId: string; placeId: string; period: string; at: string }): PayoutRow | undefined {
  const { batchId, placeId, period, at } = input;
  const open = sql`FROM reimbursement_lines l WHERE l.place_id = ${placeId} AND l.period <= ${period}
    AND NOT EXISTS (SELECT 1 FROM payout_lines pl WHERE pl.line_id = l.id AND pl.active = 1)`;
  const sums = tx.get<{ total: number | null; n: number }>(sql`SELECT SUM(l.amount_cents) AS total, COUNT(*) AS n ${open}`);
  if (sums.n === 0) return undefined;
  if (tx.select({ id: payouts.id }).from(payouts).where(and(eq(payouts.batchId, batchId), eq(payouts.placeId, placeId))).get()) return undefined;
  const bank = bankAccountForNewPayout(tx, placeId);
  if (!bank) return undefined;
  const payout = {
    id: newId(),
    batchId,
    placeId,
    reference: reserveReferences(tx, period.slice(0, 4), 1)[0]!,
    bankAccountId: bank.id,
    holder: bank.holder,
    iban: bank.iban,
    bic: bank.bic,
    amountCents: sums.total!,
    lineCount: sums.n,
    status: 'pending' as const,
    createdAt: at,
  };
  tx.insert(payouts).values(payout).run();
  tx.run(sql`INSERT INTO payout_lines (payout_id, line_id, active) SELECT ${payout.id}, l.id, 1 ${open}`);
  const linked = tx.get<{ total: number | null; n: number }>(sql`SELECT SUM(l.amount_cents) AS total, COUNT(*) AS n
    FROM payout_lines pl JOIN reimbursement_lines l ON l.id = pl.line_id WHERE pl.payout_id = ${payout.id} AND pl.active = 1`);
  if (linked.total !== payout.amountCents || linked.n !== payout.lineCount) throw new Error(`payout ${payout.reference}: total differs from its lines`);
  return tx.select().from(payouts).where(eq(payouts.id, payout.id)).get()!;
}

/** Adds a payout to its batch's running totals, so that a batch in preparation always equals its payouts. */
export function addPayoutToBatch(tx: DbOrTx, payout: PayoutRow): void {
  tx.update(reimbursementBatches)
    .set({
      totalCents: sql`${reimbursementBatches.totalCents} + ${payout.amountCents}`,
      payoutCount: sql`${reimbursementBatches.payoutCount} + 1`,
      lineCount: sql`${reimbursementBatches.lineCount} + ${payout.lineCount}`,
    })
    .where(eq(reimbursementBatches.id, payout.batchId))
    .run();
}

/** The batch's payouts summed: what its totals must be. */
export function payoutTotals(tx: DbOrTx, batchId: string): { totalCents: number; payoutCount: number; lineCount: number } {
  const row = tx.get<{ total: number | null; n: number; lines: number | null }>(
    sql`SELECT SUM(amount_cents) AS total, COUNT(*) AS n, SUM(line_count) AS lines FROM payouts WHERE batch_id = ${batchId} AND status != 'rejected'`,
  );
  return { totalCents: row.total ?? 0, payoutCount: row.n, lineCount: row.lines ?? 0 };
}

/** An empty batch in preparation (everything it would pay went away meanwhile) is removed: no empty batch. */
export function deleteEmptyBatch(tx: DbOrTx, batchId: string): void {
  const linked = tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM payout_lines pl JOIN payouts p ON p.id = pl.payout_id WHERE p.batch_id = ${batchId}`).n;
  if (linked > 0) throw new Error(`batch ${batchId}: not empty`);
  tx.delete(payouts).where(eq(payouts.batchId, batchId)).run();
  tx.delete(reimbursementBatches).where(and(eq(reimbursementBatches.id, batchId), eq(reimbursementBatches.status, 'building'))).run();
}
