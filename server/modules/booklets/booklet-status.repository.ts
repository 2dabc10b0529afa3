/**
 * The booklets module owns the status of passes and booklets (#11 § 2): every transition written by
 * distribution (hand-out, allotment and return, blocking) and by the funding gate's activation is a
 * named function here, a conditional UPDATE in the caller's transaction that says how many rows it
 * changed. The rules that decide whether a transition may happen stay with their callers.
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { booklets, passes, type BookletStatus } from '../../../db/schema/booklets.ts';

/** Booklet states in which a beneficiary holds the booklet: its passes may be active. */
export const HANDED_OUT_STATUSES = ['distributed', 'started', 'used_up'] as const;

/**
 * The issued passes of an order's handed-out booklets become active (domain rule 3, when the funding
 * gate opens after the hand-outs). Returns how many passes were activated.
 */
export function activateIssuedPassesOfHandedOutBooklets(tx: Tx, orderId: string, activatedAt: string): number {
  return tx
    .update(passes)
    .set({ status: 'active', activatedAt })
    .where(
      and(
        eq(passes.orderId, orderId),
        eq(passes.status, 'issued'),
        inArray(
          passes.bookletId,
          tx
            .select({ id: booklets.id })
            .from(booklets)
            .where(and(eq(booklets.orderId, orderId), inArray(booklets.status, [...HANDED_OUT_STATUSES]))),
        ),
      ),
    )
    .run().changes;
}

/** The issued passes of one booklet become active. Returns how many were. */
export function activateIssuedPassesOfBooklet(tx: Tx, bookletId: string, activatedAt: string): number {
  return tx
    .update(passes)
    .set({ status: 'active', activatedAt })
    .where(and(eq(passes.bookletId, bookletId), eq(passes.status, 'issued')))
    .run().changes;
}

/** allotted → distributed, only while the holder still holds it allotted. False when it no longer was. */
export function markBookletDistributed(tx: Tx, bookletId: string, holderId: string): boolean {
  return (
    tx
      .update(booklets)
      .set({ status: 'distributed' })
      .where(and(eq(booklets.id, bookletId), eq(booklets.holderId, holderId), eq(booklets.status, 'allotted')))
      .run().changes === 1
  );
}

/** A booklet blocked (lost or stolen), only if it is still in the status it was read in. False otherwise. */
export function markBookletBlocked(tx: Tx, bookletId: string, readStatus: BookletStatus): boolean {
  return (
    tx
      .update(booklets)
      .set({ status: 'blocked' })
      .where(and(eq(booklets.id, bookletId), eq(booklets.status, readStatus)))
      .run().changes === 1
  );
}

/**
 * The passes of a blocked booklet that could still be used (issued or active) are blocked; redeemed
 * and reimbursed passes are history, paid for. Returns how many were blocked.
 */
export function blockUsablePassesOfBooklet(tx: Tx, bookletId: string): number {
  return tx
    .update(passes)
    .set({ status: 'blocked' })
    .where(and(eq(passes.bookletId, bookletId), inArray(passes.status, ['issued', 'active'])))
    .run().changes;
}

/**
 * Booklets change hands (allotment, return): each one moves only if it is still with `from` in the
 * status the selection found it. Returns how many moved; the caller undoes the move when not all did.
 */
export function moveBookletsToHolder(
  tx: Tx,
  bookletIds: readonly string[],
  from: { holderId: string; status: BookletStatus },
  to: { holderId: string; status: BookletStatus },
): number {
  return tx
    .update(booklets)
    .set({ holderId: to.holderId, status: to.status })
    .where(and(inArray(booklets.id, [...bookletIds]), eq(booklets.holderId, from.holderId), eq(booklets.status, from.status)))
    .run().changes;
}

/**
 * Every live pass of the order expired, returned: the conditional UPDATE … RETURNING picks each pass
 * exactly once, so two expiry runs, even at the same time, never take a pass twice.
 */
export function expireLivePassesOfOrder(tx: DbOrTx, orderId: string): { id: number; face_value_cents: number }[] {
  return tx.all<{ id: number; face_value_cents: number }>(
    sql`UPDATE passes SET status = 'expired'
        WHERE order_id = ${orderId} AND status IN ('issued', 'active', 'blocked')
        RETURNING id, face_value_cents`,
  );
}

/** Every booklet of the order not yet used up nor expired becomes expired. */
export function expireLiveBookletsOfOrder(tx: DbOrTx, orderId: string): void {
  tx.update(booklets)
    .set({ status: 'expired' })
    .where(and(eq(booklets.orderId, orderId), inArray(booklets.status, ['in_stock', 'allotted', 'distributed', 'started', 'blocked'])))
    .run();
}

/** A redeemed pass back to `to` (active, or blocked when its booklet was blocked since); false if it was not redeemed. */
export function unredeemPass(tx: DbOrTx, passId: number, to: 'active' | 'blocked'): boolean {
  return tx.update(passes).set({ status: to }).where(and(eq(passes.id, passId), eq(passes.status, 'redeemed'))).run().changes === 1;
}

/**
 * The redeemed passes among `passIds` (a subquery the caller owns: finance knows which passes a
 * payout paid) become reimbursed; their redemption stays the record of where they were used.
 */
export function markPassesReimbursed(tx: DbOrTx, passIds: SQL): void {
  tx.run(sql`UPDATE passes SET status = 'reimbursed' WHERE status = 'redeemed' AND id IN (${passIds})`);
}

/** The reimbursed passes among `passIds` are owed again (the bank returned their transfer). */
export function markPassesOwedAgain(tx: DbOrTx, passIds: SQL): void {
  tx.run(sql`UPDATE passes SET status = 'redeemed' WHERE status = 'reimbursed' AND id IN (${passIds})`);
}
