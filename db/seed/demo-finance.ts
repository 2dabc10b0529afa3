import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { booklets, passes } from '../schema/booklets.ts';
import { invoices } from '../schema/orders.ts';
import type { PassCodeFactory } from '../../server/modules/booklets/pass-code.ts';
import { expireOrder } from '../../server/modules/finance/expiry.service.ts';
import { recordPayment } from '../../server/modules/finance/invoices.service.ts';
import { approveBatch, buildBatch, markBatchPaid } from '../../server/modules/finance/reimbursement.service.ts';
import { approveOrder } from '../../server/modules/orders/orders.service.ts';
import { actorFor, submitDemoOrder } from './demo-orders.ts';
import { redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { demoServiceFor } from './demo-places.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { addMonths, parisDate, parisMonth, startOfParisDay } from '../../server/shared/paris-time.ts';

/** Noon, Paris time, on a given day of the month `monthsAgo` months before `now`. */
export function demoInstant(now: Date, monthsAgo: number, day: number): Date {
  const month = addMonths(`${parisMonth(now)}-01`, -monthsAgo).slice(0, 7);
  return new Date(startOfParisDay(`${month}-${String(day).padStart(2, '0')}`).getTime() + 12 * 3600_000);
}

/**
 * The demo's earliest order, placed ten months ago, valid six months and paid the month after. It
 * is seeded before every other order so that document numbers follow their dates (FAC-… in the
 * order they were issued, no gap): returns its id for seedDemoFinance to expire.
 */
export function seedDemoEarlierOrder(db: Db, now: Date, codes: PassCodeFactory): string {
  const operator = actorFor(db, 'admin@operateur.demo');
  const finance = actorFor(db, 'finances@operateur.demo');
  const clock = new ManualClock(demoInstant(now, 10, 10));
  const old = submitDemoOrder(db, clock, {
    validFrom: parisDate(clock.now()),
    months: 6,
    engagementNumber: 'EJ-ANCIEN-0001',
    arrangementReference: 'CM-31-2025-007',
  });
  approveOrder({ db, clock, actor: operator, orderId: old.id, codes });
  clock.set(demoInstant(now, 9, 5));
  for (const invoice of db.select().from(invoices).where(eq(invoices.orderId, old.id)).all()) {
    recordPayment({ db, clock, actor: finance, input: { invoiceId: invoice.id, amountCents: invoice.totalCents, receivedOn: parisDate(clock.now()), reference: `VIR-${invoice.number}` } });
  }
  return old.id;
}

/**
 * The rest of the demo's finance history, written by replaying the use cases at past dates:
 * - the earlier order (seedDemoEarlierOrder), past its validity and grace period, expired today with
 *   its two credit notes (the buyer's share to the buyer, the State's to the programme's payer);
 * - the redemptions of two months ago batched, approved and paid;
 * - redemptions of last month left unbatched (finance builds that batch) and of the current month.
 */
export function seedDemoFinance(db: Db, now: Date, codes: PassCodeFactory, gracePeriodDays: number, earlierOrderId: string): void {
  const finance = actorFor(db, 'finances@operateur.demo');
  // Four eyes: the batch built by one finance user is approved by the other.
  const treasury = actorFor(db, 'tresorerie@operateur.demo');
  const placeEmails = ['mediateur@epn-muret.demo', 'accueil@mediatheque-blagnac.demo', 'contact@fablab-saint-gaudens.demo'];
  const places = placeEmails.map((e) => actorFor(db, e));
  const clock = new ManualClock(now);
  expireOrder({ db, clock, actor: null, orderId: earlierOrderId, gracePeriodDays });

  // Two months ago's redemptions (made when the places were labelled) are batched and paid.
  const twoMonthsAgo = parisMonth(demoInstant(now, 2, 15));
  clock.set(demoInstant(now, 1, 2));
  const { batch } = buildBatch({ db, clock, actor: finance, period: twoMonthsAgo });
  approveBatch({ db, clock, actor: treasury, batchId: batch.id });
  clock.set(demoInstant(now, 1, 5));
  markBatchPaid({ db, clock, actor: finance, batchId: batch.id, paidOn: parisDate(clock.now()) });

  // More passes used last month (to be batched by finance) and this month (still open).
  const active = db
    .select({ code: passes.code })
    .from(passes)
    .innerJoin(booklets, eq(booklets.id, passes.bookletId))
    .where(and(eq(passes.status, 'active')))
    .orderBy(asc(booklets.position), asc(passes.position))
    .limit(12)
    .all()
    .map((p) => p.code);
  active.forEach((code, i) => {
    clock.set(i < 8 ? demoInstant(now, 1, 10 + i) : new Date(Math.max(now.getTime() - 3600_000 * (i - 7), startOfParisDay(`${parisMonth(now)}-01`).getTime() + 60_000)));
    const at = i % places.length;
    redeemPass({ db, clock, codes, gracePeriodDays, actor: places[at]!, code, service: demoServiceFor(placeEmails[at]!, Math.floor(i / places.length)) });
  });
}
