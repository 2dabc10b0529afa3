import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisMonth } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { HANDED_OUT_STATUSES } from '../distribution/activation.ts';
import { distributionStats } from '../distribution/distribution-stats.repository.ts';
import { listDistributions, listPrescriberOrders } from '../distribution/distribution.repository.ts';
import { AGE_BAND_LABELS } from '../distribution/distribution.schemas.ts';
import { approvedOrdersOfBuyer, bookletCountsByOrder, distributionsByDayOfPrescriber } from './dashboards.repository.ts';

/**
 * What the dashboards show of the distribution network, by role: the buyer's stock by prescriber and
 * suppressed statistics, the prescriber's stock and distributions. Called by the dashboard route.
 */
export function distributionDashboardData({ db, clock, actor }: { db: Db; clock: Clock; actor: Actor }): { distribution: unknown } {
  if (actor.organisationKind === 'buyer') {
    const own = approvedOrdersOfBuyer(db, actor.organisationId);
    const handedOut = bookletCountsByOrder(db, own.map((o) => o.id), HANDED_OUT_STATUSES);
    return {
      distribution: {
        orders: own.map((o) => ({ ...o, distributed: handedOut.get(o.id) ?? 0 })),
        stats: own.length > 0 ? distributionStats(db, actor, null) : null,
      },
    };
  }
  if (actor.organisationKind === 'prescriber') {
    const held = listPrescriberOrders(db, actor.organisationId);
    const month = parisMonth(clock.now());
    const mine = distributionsByDayOfPrescriber(db, actor.organisationId);
    const labels = new Map(listPublicCategories(db, { includeInactive: true }).map((c) => [c.code, c.label]));
    return {
      distribution: {
        orders: held.map((h) => ({ id: h.order.id, reference: h.order.reference, buyerName: h.buyerName, validUntil: h.order.validUntil, held: h.held })),
        heldTotal: held.reduce((sum, h) => sum + h.held, 0),
        distributedTotal: mine.reduce((sum, r) => sum + r.n, 0),
        distributedThisMonth: mine.filter((r) => r.month.startsWith(month)).reduce((sum, r) => sum + r.n, 0),
        recent: listDistributions(db, actor, { limit: 5 })
          .slice(0, 5)
          .map((d) => ({
            ...d,
            publicLabel: d.publicCategory ? (labels.get(d.publicCategory) ?? d.publicCategory) : '',
            ageBandLabel: d.ageBand ? AGE_BAND_LABELS[d.ageBand] : '—',
          })),
      },
    };
  }
  return { distribution: null };
}
