import { and, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import { prescriberDesignations } from '../../../db/schema/distribution.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { orders } from '../../../db/schema/orders.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';

/** What the order messages say about an order: its reference, buyer and amounts. */
export function orderFacts(db: DbOrTx, orderId: string) {
  return db
    .select({
      orderId: orders.id,
      reference: orders.reference,
      buyerId: orders.buyerId,
      buyerName: organisations.name,
      totalCents: orders.totalCents,
      validUntil: orders.validUntil,
    })
    .from(orders)
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .where(eq(orders.id, orderId))
    .get();
}

export function operatorId(db: DbOrTx): string | undefined {
  return db.select({ id: organisations.id }).from(organisations).where(eq(organisations.kind, 'operator')).get()?.id;
}

export function organisationName(db: DbOrTx, organisationId: string): string {
  return db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, organisationId)).get()?.name ?? '';
}

export function paidPayoutsOf(db: DbOrTx, batchId: string) {
  return db
    .select({ payoutId: payouts.id, placeId: payouts.placeId, placeName: organisations.name, amountCents: payouts.amountCents, period: reimbursementBatches.period })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .innerJoin(organisations, eq(organisations.id, payouts.placeId))
    .where(and(eq(payouts.batchId, batchId), eq(payouts.status, 'paid')))
    .all();
}

export function payoutFacts(db: DbOrTx, payoutId: string) {
  return db
    .select({ placeId: payouts.placeId, placeName: organisations.name, amountCents: payouts.amountCents, period: reimbursementBatches.period })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .innerJoin(organisations, eq(organisations.id, payouts.placeId))
    .where(eq(payouts.id, payoutId))
    .get();
}

/** Prescribers whose designation on the order is still live. */
export function liveDesignatedPrescribers(db: DbOrTx, orderId: string): string[] {
  return db
    .select({ id: prescriberDesignations.prescriberId })
    .from(prescriberDesignations)
    .where(and(eq(prescriberDesignations.orderId, orderId), isNull(prescriberDesignations.revokedAt)))
    .all()
    .map((row) => row.id);
}

/**
 * Approved orders whose last day of validity falls between tomorrow and `lastDay`, and that have
 * had no message of this template yet: a service down on the day still sends it, once.
 */
export function ordersForValidityNotice(db: DbOrTx, args: { today: string; lastDay: string; template: string }) {
  return db
    .select({ id: orders.id, validUntil: orders.validUntil })
    .from(orders)
    .where(
      and(
        eq(orders.status, 'approved'),
        gt(orders.validUntil, args.today),
        lte(orders.validUntil, args.lastDay),
        sql`NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.template = ${args.template} AND json_extract(m.data, '$.orderId') = ${orders.id})`,
      ),
    )
    .all();
}

export function orderHasBooklets(db: DbOrTx, orderId: string): boolean {
  return db.select({ id: booklets.id }).from(booklets).where(eq(booklets.orderId, orderId)).limit(1).get() !== undefined;
}
