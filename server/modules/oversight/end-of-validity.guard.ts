import type { DbOrTx } from '../../../db/client.ts';
import { unprocessable } from '../../shared/problem.ts';
import { isBlocked } from './end-of-validity.repository.ts';

/**
 * Distribution asks this before a hand-out: once the buyer approved the J-15 blocking of booklets
 * not yet handed out, none is accepted. A file of its own so distribution depends on nothing else here.
 */
export function refuseHandOutIfBlocked(db: DbOrTx, orderId: string): void {
  if (isBlocked(db, orderId)) {
    throw unprocessable(
      'order_blocked_end_of_validity',
      'Cette commande arrive en fin de validité : son commanditaire a bloqué les carnets non remis. Ne remettez plus ses carnets ; rendez-les au commanditaire.',
    );
  }
}
