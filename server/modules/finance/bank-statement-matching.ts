import type { Tx } from '../../../db/client.ts';
import type { BankEntryMatch } from '../../../db/schema/bank-statements.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisDate } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import type { ParsedEntry } from './bank-statement-formats.ts';
import * as repo from './bank-statements.repository.ts';
import { recordPaymentInTx } from './invoices.service.ts';
import { rejectPayoutInTx, settlePayoutsInTx } from './reimbursement.service.ts';

/**
 * The automatic reading of a bank movement, in the import's transaction. A match is only made when
 * every rule of the target holds (amount within what is due, payout waiting for execution…);
 * otherwise the movement waits for finance, which is never worse than a wrong match. A movement
 * finance already recorded by hand (a payment typed in, a batch marked paid) is linked to that
 * record instead of being recorded a second time.
 */

export type Match = { kind: BankEntryMatch; id: string };
type Movement = Pick<ParsedEntry, 'bookingDate' | 'direction' | 'amountCents' | 'endToEndId' | 'remittance' | 'returnReason'>;

const INVOICE_NUMBER = /\b(FAC-\d{4}-\d{6})\b/g;
const PAYOUT_REFERENCE = /\b(RB-\d{4}-\d{6})\b/g;
const referencesIn = (entry: Pick<ParsedEntry, 'remittance' | 'endToEndId'>, pattern: RegExp) => [
  ...new Set([...`${entry.endToEndId ?? ''} ${entry.remittance ?? ''}`.toUpperCase().matchAll(pattern)].map((m) => m[1]!)),
];

export const executableOn = (batch: { approvedAt: string | null }, bookingDate: string) => !batch.approvedAt || bookingDate >= parisDate(new Date(batch.approvedAt));

/**
 * Entries are read in booking order, debits before credits of the same day: a transfer that came
 * back is read after the transfer itself, even when the bank lists the return first.
 */
export const readingOrder = <T extends Pick<ParsedEntry, 'bookingDate' | 'direction'>>(entries: T[]): T[] =>
  entries
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => a.entry.bookingDate.localeCompare(b.entry.bookingDate) || (a.entry.direction === b.entry.direction ? 0 : a.entry.direction === 'debit' ? -1 : 1) || a.i - b.i)
    .map((r) => r.entry);

/** A credit paying an invoice: the payment, at the booking date, unless finance already typed it in. */
export function payInvoice(tx: Tx, clock: Clock, actor: Actor, entry: Movement, entryId: string, invoiceId: string): Match {
  const typed = repo.unlinkedPaymentOf(tx, invoiceId, entry.amountCents, entry.bookingDate);
  if (typed) return { kind: 'payment', id: typed.id };
  const payment = recordPaymentInTx(tx, clock, actor, { invoiceId, amountCents: entry.amountCents, receivedOn: entry.bookingDate, reference: `Relevé ${entryId}`.slice(0, 140) });
  return { kind: 'payment', id: payment.id };
}

/**
 * A transfer that came back: the payout is rejected through the usual flow. One still waiting for
 * execution left the account before coming back, so it is executed at the return's date first and
 * the journal shows both movements, as the bank does.
 */
export function returnPayout(tx: Tx, clock: Clock, actor: Actor, entry: Movement, payoutId: string): Match {
  const payout = repo.payoutById(tx, payoutId)!;
  if (payout.status === 'approved') settlePayoutsInTx(tx, clock, actor, repo.batchById(tx, payout.batchId)!, [payout.id], entry.bookingDate);
  rejectPayoutInTx(tx, clock, actor, payout.id, `Retour bancaire ${entry.returnReason ?? ''}`.trim().slice(0, 140), entry.bookingDate);
  return { kind: 'payout_return', id: payout.id };
}

/** Whether a debit of this payout is already accounted for: executed by a movement, or its batch's grouped debit. */
const debitAlreadyRead = (tx: Tx, payoutId: string, batchId: string) => repo.isLinked(tx, ['payout'], payoutId) || repo.isLinked(tx, ['batch'], batchId);

/** A debit of one payout: executed at the booking date, or linked when finance already marked it paid. */
export function executePayout(tx: Tx, clock: Clock, actor: Actor, entry: Movement, payoutId: string): Match | null {
  const payout = repo.payoutById(tx, payoutId);
  const batch = payout && repo.batchById(tx, payout.batchId);
  if (!payout || !batch || payout.amountCents !== entry.amountCents) return null;
  if (payout.status === 'approved' && executableOn(batch, entry.bookingDate)) {
    settlePayoutsInTx(tx, clock, actor, batch, [payout.id], entry.bookingDate);
    return { kind: 'payout', id: payout.id };
  }
  const executedEarlier = payout.status === 'paid' || (payout.status === 'rejected' && repo.wasExecuted(tx, payout.id));
  if (executedEarlier && !debitAlreadyRead(tx, payout.id, batch.id)) return { kind: 'payout', id: payout.id };
  return null;
}

export function matchAutomatically(tx: Tx, clock: Clock, actor: Actor, entry: Movement, entryId: string): Match | null {
  if (entry.bookingDate > parisDate(clock.now())) return null;
  if (entry.direction === 'credit' && entry.returnReason) {
    for (const reference of referencesIn(entry, PAYOUT_REFERENCE)) {
      const payout = repo.payoutByReference(tx, reference);
      if (!payout || payout.amountCents !== entry.amountCents) continue;
      if (payout.status === 'approved' && !executableOn(repo.batchById(tx, payout.batchId)!, entry.bookingDate)) continue;
      if (payout.status === 'approved' || payout.status === 'paid') return returnPayout(tx, clock, actor, entry, payout.id);
      if (payout.status === 'rejected' && !repo.isLinked(tx, ['payout_return'], payout.id)) return { kind: 'payout_return', id: payout.id };
    }
    return null;
  }
  if (entry.direction === 'credit') {
    const cited = referencesIn(entry, INVOICE_NUMBER);
    // A transfer citing several invoices is split by nobody but finance.
    if (cited.length !== 1) return null;
    const invoice = repo.invoiceByNumber(tx, cited[0]!);
    if (!invoice) return null;
    const typed = repo.unlinkedPaymentOf(tx, invoice.id, entry.amountCents, entry.bookingDate);
    if (typed) return { kind: 'payment', id: typed.id };
    return entry.amountCents <= invoice.totalCents - invoice.paidCents ? payInvoice(tx, clock, actor, entry, entryId, invoice.id) : null;
  }
  const named = referencesIn(entry, PAYOUT_REFERENCE);
  for (const reference of named) {
    const payout = repo.payoutByReference(tx, reference);
    const match = payout && executePayout(tx, clock, actor, entry, payout.id);
    if (match) return match;
  }
  if (named.length > 0) return null;
  // A grouped debit names no payout: the whole batch, known by its total (and its message id when two batches tie).
  const label = `${entry.remittance ?? ''} ${entry.endToEndId ?? ''}`;
  const narrow = <T extends { message_id: string | null }>(candidates: T[]) => {
    const byMessage = candidates.filter((b) => b.message_id && label.includes(b.message_id));
    return byMessage.length > 0 ? byMessage : candidates;
  };
  const waiting = narrow(repo.approvedBatchesTotalling(tx, entry.amountCents));
  if (waiting.length === 1) {
    const batch = repo.batchById(tx, waiting[0]!.id)!;
    if (executableOn(batch, entry.bookingDate)) {
      settlePayoutsInTx(tx, clock, actor, batch, 'all', entry.bookingDate);
      return { kind: 'batch', id: batch.id };
    }
    return null;
  }
  const markedByHand = waiting.length === 0 ? narrow(repo.unlinkedPaidBatchesTotalling(tx, entry.amountCents)) : [];
  return markedByHand.length === 1 ? { kind: 'batch', id: markedByHand[0]!.id } : null;
}
