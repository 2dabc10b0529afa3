import type { DbOrTx } from '../../../db/client.ts';
import { countOf } from '../../shared/plural.ts';
import { formatFrenchDate } from '../../shared/paris-time.ts';
import { summariseSerials } from '../booklets/serial-ranges.ts';
import { blockingDays } from './end-of-validity.repository.ts';

/**
 * What a prescriber's stock page says about the J-15 blocking (issue 18): for each order whose
 * buyer approved the blocking of booklets not yet handed out, the booklets the prescriber still
 * holds and the instruction to stop handing them out. The hand-out itself is refused by
 * `end-of-validity.guard.ts`; this is so nobody gives out a booklet that will then be turned down.
 */
export interface BlockedStockNotice {
  orderId: string;
  orderReference: string;
  buyerName: string;
  blockedOn: string;
  bookletCount: number;
  serials: string;
  message: string;
}

/** One notice per blocked order of the prescriber, with the serials it still holds. */
export function blockedStockNotices(
  db: DbOrTx,
  orders: readonly { order: { id: string; reference: string }; buyerName: string }[],
  stock: readonly { serial: string; orderId: string }[],
): BlockedStockNotice[] {
  const blocked = blockingDays(
    db,
    orders.map((o) => o.order.id),
  );
  return orders.flatMap(({ order, buyerName }) => {
    const blockedOn = blocked.get(order.id);
    if (!blockedOn) return [];
    const held = stock.filter((b) => b.orderId === order.id).map((b) => b.serial);
    const n = held.length;
    const message =
      n === 0
        ? `${buyerName} a bloqué le ${formatFrenchDate(blockedOn)} les carnets non remis de la commande ${order.reference} (fin de validité). Vous n’en détenez plus.`
        : `${buyerName} a bloqué le ${formatFrenchDate(blockedOn)} les carnets non remis de la commande ${order.reference} (fin de validité) : ne remettez plus ${n === 1 ? 'le carnet' : `les ${countOf(n, 'carnet')}`} que vous détenez, ${n === 1 ? 'il serait refusé' : 'ils seraient refusés'}. Rendez-${n === 1 ? 'le' : 'les'} au commanditaire.`;
    return [{ orderId: order.id, orderReference: order.reference, buyerName, blockedOn, bookletCount: n, serials: summariseSerials(held), message }];
  });
}
