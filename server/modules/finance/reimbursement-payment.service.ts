import type { Db, Tx } from '../../../db/client.ts';
import type { BatchStatus } from '../../../db/schema/reimbursement.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { notifyBatchPaid, notifyPayoutRejected } from '../notifications/order-notices.ts';
import { assertNotInFuture } from './finance-dates.ts';
import { postEntry, reverseEntry } from './ledger.ts';
import {
  batchBeingBuilt,
  batchStatusConflict,
  fourEyesRequired,
  paidBeforeApproval,
  payoutJustChanged,
  payoutNotFound,
  payoutNotRejectable,
} from './reimbursement.errors.ts';
import {
  BATCH_STATUS_LABELS,
  batchHasApprovedPayouts,
  logStatus,
  markPassesOfPayoutRedeemedAgain,
  markPayoutApproved,
  markPayoutRejected,
  markPayoutsPaidWithTheirPasses,
  moveBatchStatus,
  payoutById,
  payoutsOfBatchWithStatus,
  releasePayoutFromBatch,
  requireBatch,
  type BatchRow,
  type PayoutRow,
} from './reimbursement.repository.ts';

/**
 * Payment and settlement of a built batch: approval (four eyes, the SEPA file released, one export
 * entry per payout), the bank's execution (all at once or payout by payout from a statement), and a
 * payout the bank returns.
 */
interface Deps {
  db: Db;
  clock: Clock;
}

function moveBatch(tx: Tx, clock: Clock, actor: Actor, batch: BatchRow, from: BatchStatus, to: BatchStatus, set: Partial<BatchRow>) {
  if (!moveBatchStatus(tx, batch.id, from, to, set)) throw batchStatusConflict(BATCH_STATUS_LABELS[batch.status], BATCH_STATUS_LABELS[to]);
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
      // A batch still being built by its job has only part of its payouts: nobody can approve it yet.
      if (batch.status === 'building') throw batchBeingBuilt();
      // Four eyes: the person who releases the transfers is not the one who assembled them. A batch
      // built by the scheduler or a script (no user) may be approved by any finance user.
      if (batch.createdByUserId !== null && batch.createdByUserId === actor.userId) {
        throw fourEyesRequired();
      }
      const today = parisDate(clock.now());
      moveBatch(tx, clock, actor, batch, 'draft', 'approved', {
        approvedAt: clock.now().toISOString(),
        approvedByUserId: actor.userId,
        messageId: `PN-${batch.period}-${batch.id.slice(0, 8)}`,
        requestedExecutionDate: nextWorkingDay(today),
      });
      for (const payout of payoutsOfBatchWithStatus(tx, batchId, 'pending')) {
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
        markPayoutApproved(tx, payout.id, entry.entryId);
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
        throw paidBeforeApproval(paidOn);
      }
      if (batch.status === 'building') throw batchBeingBuilt();
      if (batch.status !== 'approved') throw batchStatusConflict(BATCH_STATUS_LABELS[batch.status], BATCH_STATUS_LABELS.paid);
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
  const approved = payoutsOfBatchWithStatus(tx, batch.id, 'approved', which);
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
  if (ids.length > 0) markPayoutsPaidWithTheirPasses(tx, ids, paidOn);
  if (!batchHasApprovedPayouts(tx, batch.id)) {
    if (moveBatchStatus(tx, batch.id, 'approved', 'paid', { paidOn })) {
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
  const payout = payoutById(tx, payoutId);
  if (!payout) throw payoutNotFound();
  if (payout.status !== 'approved' && payout.status !== 'paid') {
    throw payoutNotRejectable();
  }
  if (!markPayoutRejected(tx, { payoutId, from: payout.status, rejectedAt: clock.now().toISOString(), reason })) {
    throw payoutJustChanged();
  }
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
    markPassesOfPayoutRedeemedAgain(tx, payoutId);
  }
  releasePayoutFromBatch(tx, payout);
  logStatus(tx, clock, { type: 'payout', id: payoutId }, payout.status, 'rejected', actor, reason);
  recordAudit(tx, clock, actor, 'payout.rejected', { type: 'payout', id: payoutId }, { reason });
  notifyPayoutRejected({ tx, clock, payoutId, reason });
  return payoutById(tx, payoutId)!;
}
