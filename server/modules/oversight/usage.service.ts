import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { combineSnapshots, shownIn, shownPeriod, type CumulativeSnapshot } from '../../shared/cumulative-publication.ts';
import { SMALL_CELL_THRESHOLD } from '../../shared/small-cells.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import type { UsageView } from './oversight.schemas.ts';
import { DORMANT_AFTER_DAYS, usageFacts, type MaskedTable, type Row, type UsageFacts } from './usage.facts.ts';
import * as repo from './usage.repository.ts';
import { publishedUsage, settledMonth } from './usage.snapshot.ts';

export { DORMANT_AFTER_DAYS, FIRST_USE_BANDS, monthLabel, monthsBetween, UNSPECIFIED_SERVICE } from './usage.facts.ts';

/** Buyers (and the State) see counts under 5 masked; the operator, who may read each row anyway, sees them exact. */
export const thresholdFor = (actor: Actor) => (isOperator(actor) ? 0 : SMALL_CELL_THRESHOLD);

/** How each count is shown: exact (operator, live) or as published in a snapshot (null when masked). */
interface Shown {
  cell(table: MaskedTable, key: string): number | null;
  month(key: string): number | null;
}

function present(facts: UsageFacts, shown: Shown, figures: { distributed: number; used: number; usedCents: number; asOf: string | null; threshold: number }): Omit<UsageView, 'orderId' | 'reference'> {
  const cells = <R extends Row>(table: MaskedTable, rows: readonly R[]) =>
    rows.map((r) => {
      const count = shown.cell(table, r.key);
      return { ...r, count, masked: count === null };
    });
  const t = facts.tables;
  const byPrescriber = facts.prescribers.map((p) => {
    const [distributedBooklets, usedPasses, sleepingBooklets] = (['prescriberDistributed', 'prescriberUsed', 'prescriberDormant'] as const).map((name) => shown.cell(name, p.prescriberId));
    return {
      prescriberId: p.prescriberId,
      prescriberName: p.prescriberName,
      heldBooklets: p.held,
      distributedBooklets: distributedBooklets!,
      usedPasses: usedPasses!,
      sleepingBooklets: sleepingBooklets!,
      masked: distributedBooklets === null || usedPasses === null || sleepingBooklets === null,
    };
  });
  const months = facts.months.rows.filter((m) => figures.asOf === null || m.key <= figures.asOf);
  return {
    smallCellThreshold: figures.threshold,
    dormantAfterDays: DORMANT_AFTER_DAYS,
    figuresAsOf: figures.asOf,
    bought: facts.bought,
    distributed: figures.distributed,
    used: figures.used,
    expired: facts.expired,
    usedCents: figures.usedCents,
    usageRate: figures.distributed === 0 ? null : Math.round((figures.used / figures.distributed) * 1000) / 10,
    byMonth: months.map((m) => {
      const count = shown.month(m.key);
      return { ...m, count, masked: count === null };
    }),
    byService: cells('service', t.service.rows),
    byPlace: cells('place', t.place.rows),
    byPublic: cells('public', t.public.rows),
    byPrescriber,
    handOutToFirstUse: cells('firstUseStarted', t.firstUseStarted.rows),
  };
}

/**
 * What became of the passes of a scope of orders. The operator sees today's exact figures. Anybody
 * else sees the scope's published snapshot, as of the end of the last settled month: people counts
 * masked so that no masked cell follows from the totals, nor from two exports taken at different
 * times (server/shared/cumulative-publication.ts; designs weighed in the README, « Masquage »).
 * Purchases and expiries designate nobody and stay live. One transaction: a snapshot is stored
 * before any export gives it.
 */
export function usageOf(deps: { db: DbOrTx; clock: Clock; gracePeriodDays: number; scope: repo.OrderScope; orderIds: readonly string[]; threshold: number }): Omit<UsageView, 'orderId' | 'reference'> {
  const { db, clock, gracePeriodDays, scope, threshold } = deps;
  if (threshold <= 0) {
    const facts = usageFacts({ db, clock, gracePeriodDays, scope });
    const exact: Shown = { cell: (table, key) => facts.tables[table].counts[key] ?? 0, month: (key) => facts.months.counts[key] ?? 0 };
    return present(facts, exact, { distributed: facts.distributed, used: facts.used, usedCents: facts.usedCents, asOf: null, threshold });
  }
  return db.transaction((tx) => {
    const now = clock.now();
    const month = settledMonth(now);
    const orderSnapshot = (orderId: string) =>
      publishedUsage(tx, `order:${orderId}`, month, now, () => usageFacts({ db: tx, clock, gracePeriodDays, scope: { orderId, untilMonth: month } }));
    // One order: its own publication. Several (a buyer's): the combination of theirs, so that the
    // total cannot give a masked cell of one order back by difference (combineSnapshots).
    const parts = deps.orderIds.map(orderSnapshot);
    const snapshot: CumulativeSnapshot = combineSnapshots(
      parts.map((p) => p.snapshot),
      month,
    );
    // Rows (labels, the fixed lists) are today's; a row the snapshot does not have is masked.
    const facts = usageFacts({ db: tx, clock, gracePeriodDays, scope: { ...scope, untilMonth: snapshot.period } });
    const published: Shown = { cell: (table, key) => shownIn(snapshot.tables[table], key), month: (key) => shownPeriod(snapshot.periods, key) };
    const total = (figure: (p: (typeof parts)[number]) => number) => parts.reduce((s, p) => s + figure(p), 0);
    return present(facts, published, { distributed: total((p) => p.distributed), used: snapshot.total, usedCents: total((p) => p.usedCents), asOf: snapshot.period, threshold });
  });
}

/**
 * The usage of one order: the buyer's own, an order of a programme the State organisation funds, any
 * order for the operator. Any other order is a 404, whether it exists or not.
 */
export function orderUsage(deps: { db: DbOrTx; clock: Clock; gracePeriodDays: number; actor: Actor; orderId: string }): UsageView {
  const { actor, orderId } = deps;
  const scope: repo.OrderScope = isOperator(actor) ? { orderId } : actor.organisationKind === 'state' ? { orderId } : { orderId, buyerId: actor.organisationId };
  const [order] = repo.ordersInScope(deps.db, scope);
  const readable =
    order !== undefined &&
    (isOperator(actor) || actor.organisationKind === 'buyer' || (actor.organisationKind === 'state' && order.programId !== null && repo.programFundedBy(deps.db, order.programId, actor.organisationId)));
  if (!readable) throw orderNotFound();
  return { orderId, reference: order.reference, ...usageOf({ ...deps, scope, orderIds: [orderId], threshold: thresholdFor(actor) }) };
}

/** The usage of all of the buyer's orders together. */
export function buyerUsage(deps: { db: DbOrTx; clock: Clock; gracePeriodDays: number; actor: Actor }): UsageView {
  const scope: repo.OrderScope = { buyerId: deps.actor.organisationId };
  const orderIds = repo.ordersInScope(deps.db, scope).map((o) => o.id);
  return { orderId: null, reference: null, ...usageOf({ ...deps, scope, orderIds, threshold: thresholdFor(deps.actor) }) };
}
