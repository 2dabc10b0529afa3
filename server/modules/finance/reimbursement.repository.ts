import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { payoutLines, payouts, reimbursementBatches, reimbursementStatusLog, type BatchStatus, type PayoutStatus } from '../../../db/schema/reimbursement.ts';
import type { Clock } from '../../shared/clock.ts';
import { batchNotFound } from './reimbursement.errors.ts';
import { newId } from '../../shared/secrets.ts';
import { reserveSequenceRange } from '../../shared/sequences.repository.ts';
import type { AuditActor } from '../audit/audit.repository.ts';
import { PAYABLE_PLACE_IDS, bankAccountForNewPayout } from '../places/bank-accounts.repository.ts';
import { markPassesOwedAgain, markPassesReimbursed } from '../booklets/booklet-status.repository.ts';

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

export function batchById(db: DbOrTx, batchId: string): BatchRow | undefined {
  return db.select().from(reimbursementBatches).where(eq(reimbursementBatches.id, batchId)).get();
}

export function requireBatch(db: DbOrTx, batchId: string): BatchRow {
  const batch = batchById(db, batchId);
  if (!batch) throw batchNotFound();
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

// ——— Building a batch in one transaction (reimbursement-build.service.ts) ———

/** A new batch row, empty: `draft` when built at once, `building` while a job fills it. */
export function insertBatch(tx: DbOrTx, row: { id: string; period: string; status: 'draft' | 'building'; createdAt: string; createdByUserId: string | null }): void {
  tx.insert(reimbursementBatches)
    .values({ ...row, totalCents: 0, payoutCount: 0, lineCount: 0 })
    .run();
}

/**
 * Marks every live redemption up to the period of places that can be paid as taken (`batched_at`),
 * then writes a reimbursement line for each one marked: both statements scan the redemptions once.
 * From the mark on, the place can no longer cancel them. Another batch (another month) built at the
 * same instant marked its redemptions with the same batched_at and already lined them: the unique
 * index probe skips those, instead of failing on reimbursement_lines_redemption_unique. Lines go in
 * place by place: each place's lines are then neighbours in the table and in line-id order, so the
 * per-place sums, the payout links (and their index on line_id) and the re-check read and write in
 * order instead of jumping across the whole month for every place.
 */
export function takeRedemptionsOfPayablePlaces(tx: DbOrTx, period: string, at: string): void {
  tx.run(sql`UPDATE redemptions SET batched_at = ${at}
    WHERE status = 'live' AND batched_at IS NULL AND period <= ${period} AND place_id IN ${PAYABLE_PLACE_IDS}`);
  tx.run(sql`INSERT INTO reimbursement_lines (redemption_id, place_id, amount_cents, period, created_at)
    SELECT r.id, r.place_id, r.amount_cents, r.period, ${at} FROM redemptions r
    WHERE r.batched_at = ${at} AND NOT EXISTS (SELECT 1 FROM reimbursement_lines l WHERE l.redemption_id = r.id)
    ORDER BY r.place_id, r.id`);
}

/** The open lines (in no active payout) up to the period of places that can be paid, summed per place, in place order. */
export function openLineTotalsPerPayablePlace(tx: DbOrTx, period: string): { place_id: string; total: number; n: number }[] {
  return tx.all<{ place_id: string; total: number; n: number }>(sql`SELECT l.place_id, SUM(l.amount_cents) AS total, COUNT(*) AS n FROM reimbursement_lines l
    WHERE l.period <= ${period} AND l.place_id IN ${PAYABLE_PLACE_IDS}
      AND NOT EXISTS (SELECT 1 FROM payout_lines pl WHERE pl.line_id = l.id AND pl.active = 1) GROUP BY l.place_id ORDER BY l.place_id`);
}

/** Every place's validated bank details, by place id. */
export function validatedBankAccountsByPlace(tx: DbOrTx): Map<string, { id: string; place_id: string; holder: string; iban: string; bic: string }> {
  return new Map(
    tx
      .all<{ id: string; place_id: string; holder: string; iban: string; bic: string }>(
        sql`SELECT id, place_id, holder, iban, bic FROM place_bank_accounts WHERE status = 'validated'`,
      )
      .map((a) => [a.place_id, a]),
  );
}

export function insertPayout(tx: DbOrTx, row: typeof payouts.$inferInsert): void {
  tx.insert(payouts).values(row).run();
}

/** Links every open line up to the period to its place's payout in the batch. */
export function linkOpenLinesToBatchPayouts(tx: DbOrTx, batchId: string, period: string): void {
  tx.run(sql`INSERT INTO payout_lines (payout_id, line_id, active)
    SELECT p.id, l.id, 1 FROM reimbursement_lines l
    JOIN payouts p ON p.place_id = l.place_id AND p.batch_id = ${batchId}
    WHERE l.period <= ${period}
      AND NOT EXISTS (SELECT 1 FROM payout_lines pl WHERE pl.line_id = l.id AND pl.active = 1)`);
}

/** The batch's payouts whose amount or line count differs from their active lines (none, when the batch is right). */
export function payoutsDifferingFromTheirLines(tx: DbOrTx, batchId: string): { id: string }[] {
  return tx.all<{ id: string }>(sql`SELECT p.id FROM payouts p
    LEFT JOIN payout_lines pl ON pl.payout_id = p.id AND pl.active = 1
    LEFT JOIN reimbursement_lines l ON l.id = pl.line_id
    WHERE p.batch_id = ${batchId}
    GROUP BY p.id HAVING COALESCE(SUM(l.amount_cents), 0) != MAX(p.amount_cents) OR COUNT(l.id) != MAX(p.line_count)`);
}

export function setBatchTotals(tx: DbOrTx, batchId: string, totals: { totalCents: number; payoutCount: number; lineCount: number }): void {
  tx.update(reimbursementBatches).set(totals).where(eq(reimbursementBatches.id, batchId)).run();
}

// ——— Payment and settlement (reimbursement-payment.service.ts) and the job's last step ———

/** Moves the batch from `from` to `to` (with `set`), only if it still is in `from`: false when it was not. */
export function moveBatchStatus(tx: DbOrTx, batchId: string, from: BatchStatus, to: BatchStatus, set: Partial<BatchRow> = {}): boolean {
  return (
    tx
      .update(reimbursementBatches)
      .set({ status: to, ...set })
      .where(and(eq(reimbursementBatches.id, batchId), eq(reimbursementBatches.status, from)))
      .run().changes === 1
  );
}

/** The batch's payouts in `status`, all of them or only those of `only`. */
export function payoutsOfBatchWithStatus(tx: DbOrTx, batchId: string, status: PayoutStatus, only: 'all' | string[] = 'all'): PayoutRow[] {
  return tx
    .select()
    .from(payouts)
    .where(and(eq(payouts.batchId, batchId), eq(payouts.status, status), only === 'all' ? undefined : inArray(payouts.id, only)))
    .all();
}

export function batchHasApprovedPayouts(tx: DbOrTx, batchId: string): boolean {
  return tx.select({ id: payouts.id }).from(payouts).where(and(eq(payouts.batchId, batchId), eq(payouts.status, 'approved'))).all().length > 0;
}

export function markPayoutApproved(tx: DbOrTx, payoutId: string, exportEntryId: string): void {
  tx.update(payouts).set({ status: 'approved', exportEntryId }).where(eq(payouts.id, payoutId)).run();
}

/** The approved payouts among `ids` paid on `paidOn`, and the passes of their active lines reimbursed. */
export function markPayoutsPaidWithTheirPasses(tx: DbOrTx, ids: string[], paidOn: string): void {
  tx.update(payouts).set({ status: 'paid', paidOn }).where(and(inArray(payouts.id, ids), eq(payouts.status, 'approved'))).run();
  markPassesReimbursed(
    tx,
    sql`SELECT r.pass_id FROM redemptions r
      JOIN reimbursement_lines l ON l.redemption_id = r.id
      JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
      WHERE pl.payout_id IN ${ids}`,
  );
}

export function payoutById(tx: DbOrTx, payoutId: string): PayoutRow | undefined {
  return tx.select().from(payouts).where(eq(payouts.id, payoutId)).get();
}

/** The payout rejected, only if it is still in `from`: false when it changed meanwhile. */
export function markPayoutRejected(tx: DbOrTx, input: { payoutId: string; from: PayoutStatus; rejectedAt: string; reason: string }): boolean {
  return (
    tx
      .update(payouts)
      .set({ status: 'rejected', rejectedAt: input.rejectedAt, rejectionReason: input.reason })
      .where(and(eq(payouts.id, input.payoutId), eq(payouts.status, input.from)))
      .run().changes === 1
  );
}

/** The passes of a paid payout the bank returned are owed again: reimbursed → redeemed. */
export function markPassesOfPayoutRedeemedAgain(tx: DbOrTx, payoutId: string): void {
  markPassesOwedAgain(
    tx,
    sql`SELECT r.pass_id FROM redemptions r JOIN reimbursement_lines l ON l.redemption_id = r.id
    JOIN payout_lines pl ON pl.line_id = l.id WHERE pl.payout_id = ${payoutId} AND pl.active = 1`,
  );
}

/** A rejected payout lets go of its lines (they wait for a later batch) and leaves its batch's totals. */
export function releasePayoutFromBatch(tx: DbOrTx, payout: PayoutRow): void {
  tx.update(payoutLines).set({ active: false }).where(eq(payoutLines.payoutId, payout.id)).run();
  tx.update(reimbursementBatches)
    .set({
      totalCents: sql`${reimbursementBatches.totalCents} - ${payout.amountCents}`,
      payoutCount: sql`${reimbursementBatches.payoutCount} - 1`,
      lineCount: sql`${reimbursementBatches.lineCount} - ${payout.lineCount}`,
    })
    .where(eq(reimbursementBatches.id, payout.batchId))
    .run();
}

// ——— The read side (reimbursement-queries.ts) ———

export function batchesNewestFirst(db: DbOrTx): BatchRow[] {
  return db.select().from(reimbursementBatches).orderBy(sql`${reimbursementBatches.period} DESC`).all();
}

/** The batch's payouts with their place's name, by name. */
export function payoutsOfBatchWithPlaceName(db: DbOrTx, batchId: string): { payout: PayoutRow; placeName: string }[] {
  return db
    .select({ payout: payouts, placeName: organisations.name })
    .from(payouts)
    .innerJoin(organisations, eq(organisations.id, payouts.placeId))
    .where(eq(payouts.batchId, batchId))
    .orderBy(asc(organisations.name))
    .all();
}

/** Places whose redemptions up to the period wait, unbatched, for validated bank details ("en attente"). */
export function placesWaitingForBankDetails(db: DbOrTx, period: string) {
  return db.all<{ place_id: string; name: string; n: number; total: number }>(sql`
    SELECT r.place_id, o.name, COUNT(*) AS n, SUM(r.amount_cents) AS total
    FROM redemptions r JOIN organisations o ON o.id = r.place_id
    WHERE r.status = 'live' AND r.batched_at IS NULL AND r.period <= ${period}
      AND r.place_id NOT IN ${PAYABLE_PLACE_IDS}
    GROUP BY r.place_id, o.name ORDER BY o.name`);
}

/** The payouts of a batch the SEPA file transfers (approved or paid, not rejected), by reference. */
export function transferredPayoutsOfBatch(db: DbOrTx, batchId: string): PayoutRow[] {
  return db
    .select()
    .from(payouts)
    .where(and(eq(payouts.batchId, batchId), inArray(payouts.status, ['approved', 'paid'])))
    .orderBy(asc(payouts.reference))
    .all();
}

// ——— The finance dashboard's activity chart (activity-chart.ts) ———

/** Live redemptions summed by Paris month of use, from `firstPeriod` on. */
export function redeemedCentsByPeriodSince(db: DbOrTx, firstPeriod: string): { period: string; v: number }[] {
  return db.all<{ period: string; v: number }>(sql`SELECT period, SUM(amount_cents) AS v FROM redemptions WHERE status = 'live' AND period >= ${firstPeriod} GROUP BY period`);
}

/** Paid payouts summed by the month of their batch, from `firstPeriod` on. */
export function paidCentsByBatchPeriodSince(db: DbOrTx, firstPeriod: string): { period: string; v: number }[] {
  return db.all<{ period: string; v: number }>(
    sql`SELECT b.period, SUM(p.amount_cents) AS v FROM payouts p JOIN reimbursement_batches b ON b.id = p.batch_id
        WHERE p.status = 'paid' AND b.period >= ${firstPeriod} GROUP BY b.period`,
  );
}
