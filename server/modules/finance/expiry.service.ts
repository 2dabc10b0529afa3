import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { connectionOf, inWriteTransaction, type DbOrTx } from '../../../db/client.ts';
import { notifyOrderExpired } from '../notifications/lifecycle-notices.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { orders } from '../../../db/schema/orders.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { unprocessable } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { nextDocumentNumber } from '../../shared/sequences.repository.ts';
import type { Actor } from '../accounts/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { postEntry } from './ledger.ts';
import { orderNotFound } from '../orders/orders.errors.ts';

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

/**
 * Expires every unredeemed pass of an order once its grace period is over, and raises one credit note
 * for their face value. One immediate transaction: the conditional UPDATE … RETURNING picks each pass
 * exactly once, so running it twice, or twice at the same time, credits nothing twice.
 */
export function expireOrder(deps: { db: DbOrTx; clock: Clock; actor: Actor | null; orderId: string; gracePeriodDays: number }): {
  creditNote: CreditNoteRow | null;
  expiredPassCount: number;
} {
  const { db, clock, actor, orderId, gracePeriodDays } = deps;
  // Its own transaction, or a savepoint of the caller's (the expiry run job expires one order per step).
  return inWriteTransaction(db, (tx) => {
      const order = tx.select().from(orders).where(eq(orders.id, orderId)).get();
      if (!order) throw orderNotFound();
      if (order.status !== 'approved' && order.status !== 'closed') {
        throw unprocessable('order_not_expirable', 'Seule une commande approuvée peut arriver en fin de validité.');
      }
      const now = clock.now();
      const today = parisDate(now);
      const lastDay = graceEndsOn(order.validUntil, gracePeriodDays);
      if (today <= lastDay) {
        throw unprocessable('order_not_expired_yet', `Les pass de cette commande restent utilisables jusqu’au ${lastDay} (fin de validité et délai de grâce).`, {
          graceEndsOn: lastDay,
        });
      }
      const expired = tx.all<{ id: number; face_value_cents: number }>(
        sql`UPDATE passes SET status = 'expired'
            WHERE order_id = ${orderId} AND status IN ('issued', 'active', 'blocked')
            RETURNING id, face_value_cents`,
      );
      tx.update(orders).set({ status: 'closed' }).where(and(eq(orders.id, orderId), eq(orders.status, 'approved'))).run();
      if (expired.length === 0) return { creditNote: null, expiredPassCount: 0 };

      tx.update(booklets)
        .set({ status: 'expired' })
        .where(and(eq(booklets.orderId, orderId), inArray(booklets.status, ['in_stock', 'allotted', 'distributed', 'started', 'blocked'])))
        .run();
      const totalCents = expired.reduce((sum, p) => sum + p.face_value_cents, 0);
      const { stateShareCents, buyerShareCents } = splitExpiredValue(totalCents, order);
      const id = newId();
      const entry = postEntry(tx, clock, {
        kind: 'passes_expired',
        refType: 'credit_note',
        refId: id,
        label: `Fin de validité de la commande ${order.reference} : ${expired.length} pass non utilisés`,
        idempotencyKey: `passes_expired:${id}`,
        lines: [
          { account: 'passes:outstanding', debitCents: totalCents },
          { account: `buyer:${order.buyerId}:credit_note`, creditCents: buyerShareCents },
          { account: `program:${order.programId}:credit_note`, creditCents: stateShareCents },
        ].filter((line) => (line.debitCents ?? line.creditCents ?? 0) > 0),
      });
      const row: CreditNoteRow = {
        id,
        number: nextDocumentNumber(tx, 'AV', today.slice(0, 4)),
        orderId,
        buyerId: order.buyerId,
        programId: order.programId,
        passCount: expired.length,
        totalCents,
        buyerShareCents,
        stateShareCents,
        issuedOn: today,
        journalEntryId: entry.entryId,
        createdAt: now.toISOString(),
      };
      tx.insert(creditNotes).values(row).run();
      const link = connectionOf(tx).prepare('INSERT INTO credit_note_passes (credit_note_id, pass_id) VALUES (?, ?)');
      for (const pass of expired) link.run(id, pass.id);
      recordAudit(tx, clock, actor, 'order.expired', { type: 'order', id: orderId }, { creditNote: row.number, passCount: expired.length, totalCents });
      notifyOrderExpired({ tx, clock, orderId, creditNoteNumber: row.number, buyerCreditCents: buyerShareCents, passCount: expired.length });
      return { creditNote: row, expiredPassCount: expired.length };
  });
}

/** Orders whose grace period ended before today and that still have passes to expire. */
export function ordersDueForExpiry(db: DbOrTx, clock: Clock, gracePeriodDays: number): { id: string; reference: string }[] {
  const today = parisDate(clock.now());
  // validUntil + grace < today  ⇔  validUntil < today − grace (calendar dates compare as strings).
  const cutoff = addDays(today, -gracePeriodDays);
  return db
    .select({ id: orders.id, reference: orders.reference })
    .from(orders)
    .where(
      and(
        inArray(orders.status, ['approved', 'closed']),
        lt(orders.validUntil, cutoff),
        sql`EXISTS (SELECT 1 FROM passes p WHERE p.order_id = ${orders.id} AND p.status IN ('issued', 'active', 'blocked'))`,
      ),
    )
    .all();
}
