import type { Db, DbOrTx } from '../../../db/client.ts';
import { issuanceStatements } from './issuance.statements.ts';
import type { OrganisationRow } from '../accounts/accounts.repository.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';
import { getTerritories } from '../territories/territories.ts';
import { newId } from '../../shared/secrets.ts';
import type { PassCodeFactory } from './pass-code.ts';
import { reserveSequenceRange } from '../../shared/sequences.repository.ts';

/**
 * A short prefix that says whose booklet it is, for people reading serials at a counter:
 * CD31 for the Haute-Garonne département, CR76 for a région, CM31555 for a commune, PN otherwise.
 */
/** The job kind that issues a large order's booklets in chunks (orders/approval.job.ts runs it; the booklets list reads it). */
export const ORDER_ISSUANCE_JOB = 'order_issuance';

export function bookletPrefix(buyer: Pick<OrganisationRow, 'buyerType' | 'communeCode'>): string {
  const commune = buyer.communeCode ? getTerritories().commune(buyer.communeCode) : undefined;
  if (buyer.buyerType === 'departement' && commune) return `CD${commune.departement}`;
  if (buyer.buyerType === 'region' && commune) return `CR${commune.region}`;
  if (buyer.buyerType === 'commune' && buyer.communeCode) return `CM${buyer.communeCode}`;
  return 'PN';
}


/** Where an order's booklets are numbered: their prefix and the first serial, reserved for all of them at once. */
export interface IssuancePlan {
  prefix: string;
  firstSerial: number;
  year: string;
}

/** Reserves the serial numbers of all the order's booklets, in the approval transaction. */
export function planIssuance(tx: DbOrTx, input: { order: OrderRow; buyer: OrganisationRow; year: string }): IssuancePlan {
  const prefix = bookletPrefix(input.buyer);
  return { prefix, firstSerial: reserveSequenceRange(tx, `booklet-${prefix}-${input.year}`, input.order.bookletCount), year: input.year };
}

/**
 * Issues the booklets at positions [from, to) (0-based) of an order and their passes, inside the
 * caller's transaction, through statements prepared once per connection (no ORM object per row).
 * A code collision (50 random bits) is retried.
 */
export function issueBookletRange(
  tx: DbOrTx,
  input: { order: OrderRow; plan: IssuancePlan; codes: PassCodeFactory; createdAt: string; from: number; to: number },
): void {
  const { order, plan, codes, createdAt, from, to } = input;
  const { insertBooklet, insertPass } = issuanceStatements(tx);
  for (let b = from; b < to; b++) {
    const bookletId = newId();
    const serial = `${plan.prefix}-${plan.year}-${String(plan.firstSerial + b).padStart(6, '0')}`;
    insertBooklet.run(bookletId, serial, order.id, order.buyerId, b + 1, order.passesPerBooklet, order.buyerId, createdAt);
    for (let p = 1; p <= order.passesPerBooklet; p++) {
      while (insertPass.run(codes.generate(), bookletId, order.id, p, order.faceValueCents, createdAt).changes !== 1) {
        // collision with an existing code: draw another
      }
    }
  }
}

/** How many of the order's booklets exist: issuance in chunks resumes at this position. */
export function issuedBookletCount(tx: DbOrTx, orderId: string): number {
  return issuanceStatements(tx).issuedCount.get(orderId)!.n;
}

/** Issues every booklet and pass of an approved order, inside the approval transaction (small orders). */
export function issueBooklets(
  _db: Db,
  tx: DbOrTx,
  input: { order: OrderRow; buyer: OrganisationRow; codes: PassCodeFactory; now: Date; year: string },
): { bookletCount: number; passCount: number } {
  const { order, buyer, codes, now, year } = input;
  const plan = planIssuance(tx, { order, buyer, year });
  issueBookletRange(tx, { order, plan, codes, createdAt: now.toISOString(), from: 0, to: order.bookletCount });
  return { bookletCount: order.bookletCount, passCount: order.bookletCount * order.passesPerBooklet };
}
