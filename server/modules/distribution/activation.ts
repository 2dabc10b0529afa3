import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { booklets, passes } from '../../../db/schema/booklets.ts';
import type { Clock } from '../../shared/clock.ts';

/** Booklet states in which a beneficiary holds the booklet: its passes may be active. */
export const HANDED_OUT_STATUSES = ['distributed', 'started', 'used_up'] as const;

/**
 * A pass becomes active when both its booklet is handed out and its order is funded (domain rule 3),
 * whichever comes last. Called when the funding gate opens, in that transaction: booklets distributed
 * earlier get their passes activated now. Returns how many passes were activated.
 */
export function activateDistributedPasses(tx: Tx, clock: Clock, orderId: string): number {
  return tx
    .update(passes)
    .set({ status: 'active', activatedAt: clock.now().toISOString() })
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

/** The passes of one booklet just handed out, when its order is already funded. */
export function activateBookletPasses(tx: Tx, clock: Clock, bookletId: string): number {
  return tx
    .update(passes)
    .set({ status: 'active', activatedAt: clock.now().toISOString() })
    .where(and(eq(passes.bookletId, bookletId), eq(passes.status, 'issued')))
    .run().changes;
}
