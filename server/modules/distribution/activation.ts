import type { Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { activateIssuedPassesOfBooklet, activateIssuedPassesOfHandedOutBooklets } from '../booklets/booklet-status.repository.ts';

/** Booklet states in which a beneficiary holds the booklet: its passes may be active. */
export { HANDED_OUT_STATUSES } from '../booklets/booklet-status.repository.ts';

/**
 * A pass becomes active when both its booklet is handed out and its order is funded (domain rule 3),
 * whichever comes last. Called when the funding gate opens, in that transaction: booklets distributed
 * earlier get their passes activated now. Returns how many passes were activated.
 */
export function activateDistributedPasses(tx: Tx, clock: Clock, orderId: string): number {
  return activateIssuedPassesOfHandedOutBooklets(tx, orderId, clock.now().toISOString());
}

/** The passes of one booklet just handed out, when its order is already funded. */
export function activateBookletPasses(tx: Tx, clock: Clock, bookletId: string): number {
  return activateIssuedPassesOfBooklet(tx, bookletId, clock.now().toISOString());
}
