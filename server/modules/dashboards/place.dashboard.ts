import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { addMonths, parisMonth } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import { statementsOf } from '../finance/statements.ts';
import { findPlaceFor } from '../places/places.service.ts';
import { monthTotals } from '../redemption/redemption.repository.ts';

/**
 * What a place sees on landing: this month's redemptions, the last payment it received, and when
 * the next one comes (the month's batch is built once the month has ended, then paid by transfer).
 */
export function placeDashboardData({ db, clock, actor }: { db: Db; clock: Clock; actor: Actor }): { placeDashboard?: unknown } {
  if (actor.organisationKind !== 'place') return {};
  const place = findPlaceFor(db, actor, actor.organisationId);
  if (!place) return {};
  const period = parisMonth(clock.now());
  const statements = statementsOf(db, actor.organisationId);
  const lastPaid = statements.find((s) => s.paidOn !== null && s.payout.status === 'paid');
  // The oldest batch of this place still on its way: built (draft) or approved (transfer ordered).
  const upcoming = [...statements].reverse().find((s) => s.paidOn === null && s.payout.status !== 'rejected');
  return {
    placeDashboard: {
      period,
      month: monthTotals(db, actor.organisationId, period),
      previousPeriod: addMonths(`${period}-01`, -1).slice(0, 7),
      lastPayment: lastPaid ? { period: lastPaid.period, amountCents: lastPaid.payout.amountCents, paidOn: lastPaid.paidOn } : null,
      nextPayment: upcoming
        ? { period: upcoming.period, amountCents: upcoming.payout.amountCents, executionDate: upcoming.executionDate, approved: upcoming.batchStatus === 'approved' }
        : null,
      nextBatchFrom: `${addMonths(`${period}-01`, 1)}`,
      status: place.status,
      bankStatus: place.bankStatus,
      siteCount: place.sites.filter((s) => s.active).length,
    },
  };
}
