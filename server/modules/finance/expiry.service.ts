import { inWriteTransaction, type DbOrTx } from '../../../db/client.ts';
import { notifyOrderExpired } from '../notifications/lifecycle-notices.ts';
import type { creditNotes } from '../../../db/schema/credit-notes.ts';
import type { InvoiceParty } from '../../../db/schema/orders.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { orderNotExpirable, orderNotExpiredYet } from './finance.errors.ts';
import { newId } from '../../shared/secrets.ts';
import { nextDocumentNumber } from '../../shared/sequences.repository.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { postEntry } from './ledger.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { releaseEnvelope } from '../programs/programs.service.ts';
import { insertCreditNote, invoicesOfOrder, linkExpiredPasses } from './credit-notes.repository.ts';
import { closeApprovedOrder, orderToExpire, ordersWithLivePassesValidBefore } from './expiry.repository.ts';
import { expireLiveBookletsOfOrder, expireLivePassesOfOrder } from '../booklets/booklet-status.repository.ts';

export type CreditNoteRow = typeof creditNotes.$inferSelect;

/** The last day distributed passes of an order are still accepted: validUntil plus the grace period. */
export function graceEndsOn(validUntil: string, gracePeriodDays: number): string {
  return addDays(validUntil, gracePeriodDays);
}

/**
 * The part of an expired amount the State gets back, in proportion to its share of the order;
 * the buyer gets the remainder, so the two always sum to the amount.
 */
export function splitExpiredValue(amountCents: number, order: { totalCents: number; stateShareCents: number }) {
  const stateShareCents = order.totalCents > 0 ? Number((BigInt(amountCents) * BigInt(order.stateShareCents)) / BigInt(order.totalCents)) : 0;
  return { stateShareCents, buyerShareCents: amountCents - stateShareCents };
}

export interface ExpiryResult {
  /** One per invoiced party with a share to credit: the buyer's first, then the State's. */
  creditNotes: CreditNoteRow[];
  /** The buyer's credit note (or the State's when the buyer had no share): what the buyer is told about. */
  creditNote: CreditNoteRow | null;
  expiredPassCount: number;
}

/**
 * Expires every unredeemed pass of an order once its grace period is over, and credits their face
 * value back to each party that paid it (issue #14): the buyer's share on a credit note to the
 * buyer citing its invoice, the State's share on a credit note to the programme's payer citing its
 * call for funds, which also releases that share to the programme's envelope. Each note has its own
 * balanced journal entry. One immediate transaction: the conditional UPDATE … RETURNING picks each
 * pass exactly once, so running it twice, or twice at the same time, credits nothing twice.
 */
export function expireOrder(deps: { db: DbOrTx; clock: Clock; actor: Actor | null; orderId: string; gracePeriodDays: number }): ExpiryResult {
  const { db, clock, actor, orderId, gracePeriodDays } = deps;
  // Its own transaction, or a savepoint of the caller's (the expiry run job expires one order per step).
  return inWriteTransaction(db, (tx) => {
    const order = orderToExpire(tx, orderId);
    if (!order) throw orderNotFound();
    if (order.status !== 'approved' && order.status !== 'closed') {
      throw orderNotExpirable();
    }
    const now = clock.now();
    const today = parisDate(now);
    const lastDay = graceEndsOn(order.validUntil, gracePeriodDays);
    if (today <= lastDay) {
      throw orderNotExpiredYet(lastDay);
    }
    const expired = expireLivePassesOfOrder(tx, orderId);
    closeApprovedOrder(tx, orderId);
    if (expired.length === 0) return { creditNotes: [], creditNote: null, expiredPassCount: 0 };

    expireLiveBookletsOfOrder(tx, orderId);
    const totalCents = expired.reduce((sum, p) => sum + p.face_value_cents, 0);
    const shares = splitExpiredValue(totalCents, order);
    const corrected = invoicesOfOrder(tx, orderId);

    const issue = (party: InvoiceParty, amountCents: number): CreditNoteRow => {
      const id = newId();
      const account = party === 'buyer' ? `buyer:${order.buyerId}:credit_note` : `program:${order.programId}:credit_note`;
      const whose = party === 'buyer' ? 'part du commanditaire' : 'part de l’État';
      const entry = postEntry(tx, clock, {
        kind: 'passes_expired',
        refType: 'credit_note',
        refId: id,
        label: `Fin de validité de la commande ${order.reference} : ${expired.length} pass non utilisés, ${whose}`,
        idempotencyKey: `passes_expired:${id}`,
        lines: [
          { account: 'passes:outstanding', debitCents: amountCents },
          { account, creditCents: amountCents },
        ],
      });
      const row: CreditNoteRow = {
        id,
        number: nextDocumentNumber(tx, 'AV', today.slice(0, 4)),
        orderId,
        buyerId: order.buyerId,
        programId: order.programId,
        party,
        correctsInvoiceId: corrected[party]?.id ?? null,
        passCount: expired.length,
        totalCents: amountCents,
        buyerShareCents: party === 'buyer' ? amountCents : 0,
        stateShareCents: party === 'state' ? amountCents : 0,
        issuedOn: today,
        journalEntryId: entry.entryId,
        createdAt: now.toISOString(),
      };
      insertCreditNote(tx, row);
      return row;
    };
    const notes: CreditNoteRow[] = [];
    if (shares.buyerShareCents > 0) notes.push(issue('buyer', shares.buyerShareCents));
    if (shares.stateShareCents > 0 && order.programId) {
      const stateNote = issue('state', shares.stateShareCents);
      notes.push(stateNote);
      releaseEnvelope(tx, {
        programId: order.programId,
        orderId,
        buyerId: order.buyerId,
        creditNoteId: stateNote.id,
        amountCents: stateNote.totalCents,
        at: now.toISOString(),
      });
    }
    const first = notes[0]!;
    // Each expired pass in exactly one note: the first of this expiry (the buyer's when it has a share).
    linkExpiredPasses(tx, first.id, expired.map((p) => p.id));
    recordAudit(tx, clock, actor, 'order.expired', { type: 'order', id: orderId }, { creditNotes: notes.map((n) => n.number), passCount: expired.length, totalCents });
    notifyOrderExpired({ tx, clock, orderId, creditNoteNumber: first.number, buyerCreditCents: shares.buyerShareCents, passCount: expired.length });
    return { creditNotes: notes, creditNote: first, expiredPassCount: expired.length };
  });
}

/** Orders whose grace period ended before today and that still have passes to expire. */
export function ordersDueForExpiry(db: DbOrTx, clock: Clock, gracePeriodDays: number): { id: string; reference: string }[] {
  const today = parisDate(clock.now());
  // validUntil + grace < today  ⇔  validUntil < today − grace (calendar dates compare as strings).
  const cutoff = addDays(today, -gracePeriodDays);
  return ordersWithLivePassesValidBefore(db, cutoff);
}
