import type { DbOrTx } from '../../../db/client.ts';
import { isBlocked } from './end-of-validity.repository.ts';
import { orderBlockedEndOfValidity } from './oversight.errors.ts';

/**
 * Distribution asks this before a hand-out: once the buyer approved the J-15 blocking of booklets
 * not yet handed out, none is accepted. A file of its own so distribution depends on nothing else here.
 */
export function refuseHandOutIfBlocked(db: DbOrTx, orderId: string): void {
  if (isBlocked(db, orderId)) throw orderBlockedEndOfValidity();
}
