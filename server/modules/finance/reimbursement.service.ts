import { notifyBatchPaid, notifyPayoutRejected } from '../notifications/order-notices.ts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import {
  payoutLines,
  payouts,
  reimbursementBatches,
  reimbursementStatusLog,
  type BatchStatus,
} from '../../../db/schema/reimbursement.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate, parisMonth } from '../../shared/paris-time.ts';
import { conflict, forbidden, notFound, unprocessable } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../accounts/actor.ts';
import { recordAudit } from '../audit/audit.ts';
import { assertNotInFuture } from './finance-dates.ts';
import { postEntry, reverseEntry } from './ledger.ts';
import { PAYABLE_PLACE_IDS } from '../places/payable.ts';
import { reserveSequenceRange } from '../../shared/sequences.ts';
import { withLock } from '../../../db/locks.ts';
import { requireBatch } from './reimbursement.queries.ts';

// The reads of batches live in reimbursement.queries.ts; their callers keep importing them from here.
export { batchSepaXml, getBatch, listBatches, waitingPlaces } from './reimbursement.queries.ts';

export type BatchRow = typeof reimbursementBatches.$inferSelect;
export type PayoutRow = typeof payouts.$inferSelect;

interface Deps {
  db: Db;
  clock: Clock;
}

/**
 * A place can be paid when it has validated bank details and no change waiting for validation:
 * a changed IBAN is the classic fraud vector, so the place waits until finance has checked it.
 */
// The places a batch pays: the one rule of places/payable.ts.
const ELIGIBLE_PLACES = PAYABLE_PLACE_IDS;

function logStatus(tx: DbOrTx, clock: Clock, subject: { type: 'batch' | 'payout'; id: string }, from: string | null, to: string, actor: Actor | null, reason?: string) {
  tx.insert(reimbursementStatusLog)
    .values({ subjectType: subject.type, subjectId: subject.id, fromStatus: from, toStatus: to, actorUserId: actor?.userId ?? null, reason: reason ?? null, at: clock.now().toISOString() })
    .run();
}

/** Reserves `count` consecutive statement references in one statement, so they stay gapless. */
function reserveReferences(tx: DbOrTx, year: string, count: number): string[] {
  if (count === 0) return [];
  const first = reserveSequenceRange(tx, `RB-${year}`, count);
  return Array.from({ length: count }, (_, i) => `RB-${year}-${String(first + i).padStart(6, '0')}`);
}

/**
 * Page cache given to the connection while a batch is built. A national month is a million
 * redemptions: the batch transaction writes a few hundred megabytes (redemptions marked, a line per
 * redemption, a payout link per line, their indexes). With SQLite's default cache (2 MiB), dirty
 * pages are spilled to the WAL in the middle of the transaction and read back, and the sort of the
 * lines goes to temporary files. An upper bound, allocated as pages are used, given back after.
 * Measured (scripts/bench-finance.ts, 1 000 000 redemptions, 2 000 places): 13.8 s before, 8.0 s
 * with this cache and the lines inserted place by place.
 */
const BATCH_PAGE_CACHE_KIB = 256 * 1024;

/** Runs `work` with at least `kib` KiB of page cache on the connection, then restores its setting. */
function withPageCache<T>(db: Db, kib: number, work: () => T): T {
  const client = db.$client;
  const previous = client.pragma('cache_size', { simple: true }) as number;
  // A negative cache_size is in KiB, a positive one in pages.
  const previousKib = previous < 0 ? -previous : (previous * (client.pragma('page_size', { simple: true }) as number)) / 1024;
  if (previousKib >= kib) return work();
  client.pragma(`cache_size = ${-kib}`);
  try {
    return work();
  } finally {
    client.pragma(`cache_size = ${previous}`);
  }
}

/**
 * Builds the batch of a closed Paris month: a reimbursement line for every live redemption of that
 * month (or earlier, if its place was waiting) of places that can be paid, one payout per place,
 * each payout total re-checked against its lines before commit. Building twice returns the first batch.
 * Set-based SQL throughout: a million redemptions do not become a million JavaScript objects.
 */
export function buildBatch(deps: Deps & { actor: Actor | null; period: string }): { batch: BatchRow; created: boolean } {
  const { db, clock, actor, period } = deps;
  const now = clock.now();
  if (period >= parisMonth(now)) {
    throw unprocessable('period_not_closed', `Le mois ${period} n’est pas terminé : il sera remboursable à partir du 1er du mois suivant.`);
  }
  return withPageCache(db, BATCH_PAGE_CACHE_KIB, () => buildBatchTransaction(db, clock, actor, period, now));
}

function buildBatchTransaction(db: Db, clock: Clock, actor: Actor | null, period: string, now: Date): { batch: BatchRow; created: boolean } {
  return db.transaction(
    (tx) =>
      // One batch built at a time: the redemptions it marks, lines and sums must not be taken twice.
      withLock('reimbursement-batch', tx, () => {
        const existing = tx.select().from(reimbursementBatches).where(eq(reimbursementBatches.period, period)).get();
        if (existing) return { batch: existing, created: false };
        const batchId = newId();
        const at = now.toISOString();
        tx.insert(reimbursementBatches)
          .values({ id: batchId, period, status: 'draft', totalCents: 0, payoutCount: 0, lineCount: 0, createdAt: at, createdByUserId: actor?.userId ?? null })
          .run();

        // Mark first (from now on the place can no longer cancel these redemptions), then line what was marked:
        // both statements scan the redemptions once. Another batch (another month) built at the same
        // instant marked its redemptions with the same batched_at and already lined them: the unique
        // index probe skips those, instead of failing on reimbursement_lines_redemption_unique.
        // Lines go in place by place: each place's lines are then neighbours in the table and in line-id
        // order, so the per-place sums, the payout links (and their index on line_id) and the re-check
        // below read and write in order instead of jumping across the whole month for every place.
        tx.run(sql`UPDATE redemptions SET batched_at = ${at}
          WHERE status = 'live' AND batched_at IS NULL AND period <= ${period} AND place_id IN ${ELIGIBLE_PLACES}`);
        tx.run(sql`INSERT INTO reimbursement_lines (redemption_id, place_id, amount_cents, period, created_at)
          SELECT r.id, r.place_id, r.amount_cents, r.period, ${at} FROM redemptions r
          WHERE r.batched_at = ${at} AND NOT EXISTS (SELECT 1 FROM reimbursement_lines l WHERE l.redemption_id = r.id)
          ORDER BY r.place_id, r.id`);

        const open = sql`FROM reimbursement_lines l
          WHERE l.period <= ${period} AND l.place_id IN ${ELIGIBLE_PLACES}
            AND NOT EXISTS (SELECT 1 FROM payout_lines pl WHERE pl.line_id = l.id AND pl.active = 1)`;
        const perPlace = tx.all<{ place_id: string; total: number; n: number }>(
          sql`SELECT l.place_id, SUM(l.amount_cents) AS total, COUNT(*) AS n ${open} GROUP BY l.place_id ORDER BY l.place_id`,
        );
        const references = reserveReferences(tx, period.slice(0, 4), perPlace.length);
        const bankOf = new Map(
          tx
            .all<{ id: string; place_id: string; holder: string; iban: string; bic: string }>(
              sql`SELECT id, place_id, holder, iban, bic FROM place_bank_accounts WHERE status = 'validated'`,
            )
            .map((a) => [a.place_id, a]),
        );
        perPlace.forEach((p, i) => {
          const bank = bankOf.get(p.place_id)!;
          tx.insert(payouts)
            .values({
              id: newId(),
              batchId,
              placeId: p.place_id,
              reference: references[i]!,
              bankAccountId: bank.id,
              holder: bank.holder,
              iban: bank.iban,
              bic: bank.bic,
              amountCents: p.total,
              lineCount: p.n,
              status: 'pending',
              createdAt: at,
            })
            .run();
        });
        tx.run(sql`INSERT INTO payout_lines (payout_id, line_id, active)
          SELECT p.id, l.id, 1 FROM reimbursement_lines l
          JOIN payouts p ON p.place_id = l.place_id AND p.batch_id = ${batchId}
          WHERE l.period <= ${period}
            AND NOT EXISTS (SELECT 1 FROM payout_lines pl WHERE pl.line_id = l.id AND pl.active = 1)`);

        // Totals re-checked after linking: a payout must equal the sum of its lines, or nothing is kept.
        const mismatch = tx.all<{ id: string }>(sql`SELECT p.id FROM payouts p
          LEFT JOIN payout_lines pl ON pl.payout_id = p.id AND pl.active = 1
          LEFT JOIN reimbursement_lines l ON l.id = pl.line_id
          WHERE p.batch_id = ${batchId}
          GROUP BY p.id HAVING COALESCE(SUM(l.amount_cents), 0) != MAX(p.amount_cents) OR COUNT(l.id) != MAX(p.line_count)`);
        if (mismatch.length > 0) throw new Error(`batch ${period}: payout totals differ from their lines (${mismatch.length})`);

        // A batch with nothing in it would still be approved, exported and "paid": refused, and the
        // rollback leaves no trace of the attempt.
        if (perPlace.length === 0) {
          throw unprocessable('nothing_to_pay', `Rien à rembourser pour ${period} : aucun passage en caisse en attente d’un lieu aux coordonnées bancaires validées.`);
        }
        const totals = perPlace.reduce((acc, p) => ({ total: acc.total + p.total, n: acc.n + p.n }), { total: 0, n: 0 });
        tx.update(reimbursementBatches)
          .set({ totalCents: totals.total, payoutCount: perPlace.length, lineCount: totals.n })
          .where(eq(reimbursementBatches.id, batchId))
          .run();
        logStatus(tx, clock, { type: 'batch', id: batchId }, null, 'draft', actor);
        recordAudit(tx, clock, actor, 'reimbursement_batch.built', { type: 'reimbursement_batch', id: batchId }, { period, totalCents: totals.total });
        return { batch: tx.select().from(reimbursementBatches).where(eq(reimbursementBatches.id, batchId)).get()!, created: true };
      }),
    { behavior: 'immediate' },
  );
}

function moveBatch(tx: Tx, clock: Clock, actor: Actor, batch: BatchRow, from: BatchStatus, to: BatchStatus, set: Partial<BatchRow>) {
  const changed = tx
    .update(reimbursementBatches)
    .set({ status: to, ...set })
    .where(and(eq(reimbursementBatches.id, batch.id), eq(reimbursementBatches.status, from)))
    .run();
  if (changed.changes !== 1) throw conflict('batch_status_conflict', `Ce lot est « ${batch.status} » : impossible de le passer à « ${to} ».`);
  logStatus(tx, clock, { type: 'batch', id: batch.id }, from, to, actor);
}

/** The next working day (Monday–Friday) after a date: when the bank is asked to execute the transfers. */
export function nextWorkingDay(date: string): string {
  let day = addDays(date, 1);
  while ([0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) day = addDays(day, 1);
  return day;
}

/**
 * Approval releases the SEPA file: each payout moves from the place's payable to the transfers in
 * transit, one journal entry per payout so that a bank rejection reverses exactly its own.
 */
export function approveBatch(deps: Deps & { actor: Actor; batchId: string }): BatchRow {
  const { db, clock, actor, batchId } = deps;
  return db.transaction(
    (tx) => {
      const batch = requireBatch(tx, batchId);
      // Four eyes: the person who releases the transfers is not the one who assembled them. A batch
      // built by the scheduler or a script (no user) may be approved by any finance user.
      if (batch.createdByUserId !== null && batch.createdByUserId === actor.userId) {
        throw forbidden('four_eyes_required', 'Ce lot a été préparé par vous : un autre membre des finances doit l’approuver.');
      }
      const today = parisDate(clock.now());
      moveBatch(tx, clock, actor, batch, 'draft', 'approved', {
        approvedAt: clock.now().toISOString(),
        approvedByUserId: actor.userId,
        messageId: `PN-${batch.period}-${batch.id.slice(0, 8)}`,
        requestedExecutionDate: nextWorkingDay(today),
      });
      for (const payout of tx.select().from(payouts).where(and(eq(payouts.batchId, batchId), eq(payouts.status, 'pending'))).all()) {
        const entry = postEntry(tx, clock, {
          kind: 'batch_exported',
          refType: 'payout',
          refId: payout.id,
          label: `Remboursement ${batch.period} — ${payout.reference}`,
          idempotencyKey: `batch_exported:${payout.id}`,
          lines: [
            { account: `place:${payout.placeId}:payable`, debitCents: payout.amountCents },
            { account: 'bank:in_transit', creditCents: payout.amountCents },
          ],
        });
        tx.update(payouts).set({ status: 'approved', exportEntryId: entry.entryId }).where(eq(payouts.id, payout.id)).run();
        logStatus(tx, clock, { type: 'payout', id: payout.id }, 'pending', 'approved', actor);
      }
      recordAudit(tx, clock, actor, 'reimbursement_batch.approved', { type: 'reimbursement_batch', id: batchId });
      return requireBatch(tx, batchId);
    },
    { behavior: 'immediate' },
  );
}

/** The bank executed the transfers: money leaves the bank account, the passes are reimbursed. */
export function markBatchPaid(deps: Deps & { actor: Actor; batchId: string; paidOn: string }): BatchRow {
  const { db, clock, actor, batchId, paidOn } = deps;
  return db.transaction(
    (tx) => {
      const batch = requireBatch(tx, batchId);
      assertNotInFuture(clock, paidOn, 'paidOn', 'La date d’exécution des virements');
      if (batch.approvedAt && paidOn < parisDate(new Date(batch.approvedAt))) {
        throw unprocessable('paid_before_approval', `Les virements ne peuvent pas avoir été exécutés le ${paidOn}, avant l’approbation du lot.`);
      }
      if (batch.status !== 'approved') throw conflict('batch_status_conflict', `Ce lot est « ${batch.status} » : impossible de le passer à « paid ».`);
      settlePayoutsInTx(tx, clock, actor, batch, 'all', paidOn);
      notifyBatchPaid({ tx, clock, batchId, paidOn });
      return requireBatch(tx, batchId);
    },
    { behavior: 'immediate' },
  );
}

/**
 * Records approved payouts of a batch as executed on `paidOn` (all of them, or those a bank
 * statement shows one by one): bank:in_transit → bank, their passes reimbursed, and the batch paid
 * once none of its payouts is still waiting. Runs in the caller's transaction.
 */
export function settlePayoutsInTx(tx: Tx, clock: Clock, actor: Actor | null, batch: BatchRow, which: 'all' | string[], paidOn: string): PayoutRow[] {
  const approved = tx
    .select()
    .from(payouts)
    .where(and(eq(payouts.batchId, batch.id), eq(payouts.status, 'approved'), which === 'all' ? undefined : inArray(payouts.id, which)))
    .all();
  const total = approved.reduce((sum, p) => sum + p.amountCents, 0);
  if (total > 0) {
    postEntry(tx, clock, {
      kind: 'batch_paid',
      refType: which === 'all' ? 'reimbursement_batch' : 'payout',
      refId: which === 'all' ? batch.id : approved[0]!.id,
      label: which === 'all' ? `Virements du lot ${batch.period} exécutés` : `Virement ${approved.map((p) => p.reference).join(', ')} exécuté`,
      valueDate: paidOn,
      idempotencyKey: which === 'all' ? `batch_paid:${batch.id}` : `payout_paid:${approved.map((p) => p.id).join(',')}`,
      lines: [
        { account: 'bank:in_transit', debitCents: total },
        { account: 'bank', creditCents: total },
      ],
    });
  }
  const ids = approved.map((p) => p.id);
  for (const payout of approved) logStatus(tx, clock, { type: 'payout', id: payout.id }, 'approved', 'paid', actor);
  if (ids.length > 0) {
    tx.update(payouts).set({ status: 'paid', paidOn }).where(and(inArray(payouts.id, ids), eq(payouts.status, 'approved'))).run();
    tx.run(sql`UPDATE passes SET status = 'reimbursed'
      WHERE status = 'redeemed' AND id IN (
        SELECT r.pass_id FROM redemptions r
        JOIN reimbursement_lines l ON l.redemption_id = r.id
        JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
        WHERE pl.payout_id IN ${ids})`);
  }
  const waiting = tx.select({ id: payouts.id }).from(payouts).where(and(eq(payouts.batchId, batch.id), eq(payouts.status, 'approved'))).all();
  if (waiting.length === 0) {
    const changed = tx
      .update(reimbursementBatches)
      .set({ status: 'paid', paidOn })
      .where(and(eq(reimbursementBatches.id, batch.id), eq(reimbursementBatches.status, 'approved')))
      .run();
    if (changed.changes === 1) {
      logStatus(tx, clock, { type: 'batch', id: batch.id }, 'approved', 'paid', actor);
      recordAudit(tx, clock, actor, 'reimbursement_batch.paid', { type: 'reimbursement_batch', id: batch.id }, { paidOn, totalCents: total });
    }
  }
  return approved;
}

/**
 * The bank returned a transfer (closed account, wrong IBAN…): the payout is rejected, the place's
 * debt is restored in the journal, and its lines go back to wait for a later batch.
 */
export function rejectPayout(deps: Deps & { actor: Actor; payoutId: string; reason: string }): PayoutRow {
  const { db, clock, actor, payoutId, reason } = deps;
  return db.transaction((tx) => rejectPayoutInTx(tx, clock, actor, payoutId, reason), { behavior: 'immediate' });
}

/** rejectPayout in the caller's transaction (a return found on a bank statement). */
export function rejectPayoutInTx(tx: Tx, clock: Clock, actor: Actor, payoutId: string, reason: string, valueDate?: string): PayoutRow {
  const payout = tx.select().from(payouts).where(eq(payouts.id, payoutId)).get();
  if (!payout) throw notFound('payout_not_found', 'Virement introuvable.');
  if (payout.status !== 'approved' && payout.status !== 'paid') {
    throw conflict('payout_not_rejectable', 'Seul un virement émis peut être rejeté par la banque.');
  }
  const changed = tx
    .update(payouts)
    .set({ status: 'rejected', rejectedAt: clock.now().toISOString(), rejectionReason: reason })
    .where(and(eq(payouts.id, payoutId), eq(payouts.status, payout.status)))
    .run();
  if (changed.changes !== 1) throw conflict('payout_not_rejectable', 'Ce virement vient de changer d’état.');
  if (payout.status === 'approved') {
    // Not executed yet: the export entry is simply reversed.
    reverseEntry(tx, clock, { entryId: payout.exportEntryId!, kind: 'payout_rejected', idempotencyKey: `payout_rejected:${payoutId}`, label: `Rejet du virement ${payout.reference}` });
  } else {
    // Already executed then returned: the money is back in the bank and the place is owed again.
    postEntry(tx, clock, {
      kind: 'payout_rejected',
      refType: 'payout',
      refId: payoutId,
      label: `Retour du virement ${payout.reference} : ${reason}`,
      // The day the money came back (a bank statement's booking date), when known.
      valueDate,
      idempotencyKey: `payout_rejected:${payoutId}`,
      lines: [
        { account: 'bank', debitCents: payout.amountCents },
        { account: `place:${payout.placeId}:payable`, creditCents: payout.amountCents },
      ],
    });
    tx.run(sql`UPDATE passes SET status = 'redeemed' WHERE status = 'reimbursed' AND id IN (
      SELECT r.pass_id FROM redemptions r JOIN reimbursement_lines l ON l.redemption_id = r.id
      JOIN payout_lines pl ON pl.line_id = l.id WHERE pl.payout_id = ${payoutId} AND pl.active = 1)`);
  }
  tx.update(payoutLines).set({ active: false }).where(eq(payoutLines.payoutId, payoutId)).run();
  tx.update(reimbursementBatches)
    .set({
      totalCents: sql`${reimbursementBatches.totalCents} - ${payout.amountCents}`,
      payoutCount: sql`${reimbursementBatches.payoutCount} - 1`,
      lineCount: sql`${reimbursementBatches.lineCount} - ${payout.lineCount}`,
    })
    .where(eq(reimbursementBatches.id, payout.batchId))
    .run();
  logStatus(tx, clock, { type: 'payout', id: payoutId }, payout.status, 'rejected', actor, reason);
  recordAudit(tx, clock, actor, 'payout.rejected', { type: 'payout', id: payoutId }, { reason });
  notifyPayoutRejected({ tx, clock, payoutId, reason });
  return tx.select().from(payouts).where(eq(payouts.id, payoutId)).get()!;
}
