import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { balanceOf } from '../finance/ledger.ts';
import { graceEndsOn } from '../finance/expiry.service.ts';
import { approvedOrdersEndingBy, bookletCountsByStatusOf, operatorCounts } from './dashboards.repository.ts';

/** Days before the end of validity from which the buyer is warned (domain rule 8). */
export const VALIDITY_WARNING_DAYS = 30;

export interface ValidityAlert {
  orderId: string;
  reference: string;
  validUntil: string;
  graceEndsOn: string;
  phase: 'ending_soon' | 'grace';
  booklets: { issued: number; distributed: number; notDistributed: number; started: number };
}

/** Orders of the buyer that end within 30 days, or are in their grace period, with their booklets' progress. */
export function validityAlerts(db: Db, clock: Clock, buyerId: string, gracePeriodDays: number): ValidityAlert[] {
  const today = parisDate(clock.now());
  const warnFrom = addDays(today, VALIDITY_WARNING_DAYS);
  const rows = approvedOrdersEndingBy(db, buyerId, warnFrom).filter((o) => today <= graceEndsOn(o.validUntil, gracePeriodDays));
  return rows.map((order) => {
    const counts = bookletCountsByStatusOf(db, order.id);
    const get = (...statuses: string[]) => statuses.reduce((sum, s) => sum + (counts.get(s) ?? 0), 0);
    return {
      orderId: order.id,
      reference: order.reference,
      validUntil: order.validUntil,
      graceEndsOn: graceEndsOn(order.validUntil, gracePeriodDays),
      phase: today > order.validUntil ? 'grace' : 'ending_soon',
      booklets: {
        issued: order.bookletCount,
        distributed: get('distributed', 'started', 'used_up'),
        notDistributed: get('in_stock', 'allotted'),
        started: get('started', 'used_up'),
      },
    };
  });
}

/** The operator's key figures: what is outstanding, owed and due, at a glance. */
export function operatorFigures(db: Db) {
  const counts = operatorCounts(db);
  return {
    ordersToApprove: counts.ordersToApprove,
    outstandingCents: -balanceOf(db, 'passes:outstanding'),
    invoicesDueCents: counts.invoicesDueCents,
    placePayablesCents: counts.placePayablesCents,
    lastBatch: counts.lastBatch,
  };
}

export function financeDashboardData({ db, clock, actor, gracePeriodDays }: { db: Db; clock: Clock; actor: Actor; gracePeriodDays: number }) {
  if (isOperator(actor)) return { figures: operatorFigures(db) };
  if (actor.organisationKind === 'buyer') return { validityAlerts: validityAlerts(db, clock, actor.organisationId, gracePeriodDays) };
  return {};
}
