import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { SMALL_CELL_THRESHOLD, suppressSmallCells } from '../../shared/small-cells.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
import { PLACE_SERVICES } from '../places/services.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import * as repo from './usage.repository.ts';
import type { UsageCell, UsageView } from './oversight.schemas.ts';
import { orderNotFound } from '../orders/orders.errors.ts';

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
export const monthLabel = (month: string) => `${MONTHS[Number(month.slice(5, 7)) - 1] ?? month.slice(5, 7)} ${month.slice(0, 4)}`;

export const UNSPECIFIED_SERVICE = 'Non précisé';

/** Every month from `from` to `to` (YYYY-MM), both included. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  while (`${y}-${String(m).padStart(2, '0')}` <= to && months.length < 600) {
    months.push(`${y}-${String(m).padStart(2, '0')}`);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return months;
}

/** Bands of days between hand-out and first use; the last row is booklets not used at all. */
export const FIRST_USE_BANDS = [
  { key: 'within_7_days', label: 'Dans les 7 jours', max: 7 },
  { key: 'within_30_days', label: 'De 8 à 30 jours', max: 30 },
  { key: 'within_90_days', label: 'De 31 à 90 jours', max: 90 },
  { key: 'later', label: 'Plus de 90 jours', max: Infinity },
] as const;

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Counts per key over a fixed list of rows, masked together: rows never depend on what is hidden. */
export function maskedRows(rows: readonly { key: string; label: string }[], counts: ReadonlyMap<string, number>, threshold: number): UsageCell[] {
  return suppressSmallCells(
    rows.map((r) => ({ ...r, count: counts.get(r.key) ?? 0 })),
    threshold,
  ).map((c) => ({ ...c, masked: c.count === null }));
}

function sumBy<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number): Map<string, number> {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + value(item));
  return sums;
}

/** Buyers (and the State) see counts under 5 masked; the operator, who may read each row anyway, sees them exact. */
export const thresholdFor = (actor: Actor) => (isOperator(actor) ? 0 : SMALL_CELL_THRESHOLD);

/**
 * What became of the passes of a scope of orders, broken down with small counts masked. The
 * breakdowns run over fixed lists of rows (the months of validity, the national services, every
 * commune where a labelled place receives, the public categories, the designated prescribers), so
 * that which rows appear says nothing about the counts.
 */
export function usageOf(deps: { db: DbOrTx; clock: Clock; gracePeriodDays: number; scope: repo.OrderScope; threshold: number }): Omit<UsageView, 'orderId' | 'reference'> {
  const { db, clock, gracePeriodDays, scope, threshold } = deps;
  const orders = repo.ordersInScope(db, scope);
  const totals = new Map(repo.passTotals(db, scope).map((r) => [r.status, r]));
  const count = (...statuses: string[]) => statuses.reduce((sum, s) => sum + (totals.get(s)?.n ?? 0), 0);
  const cells = repo.usedCells(db, scope);
  const used = cells.reduce((sum, c) => sum + c.n, 0);
  const distributed = repo.distributedPasses(db, scope);

  const today = parisDate(clock.now());
  const firstMonth = orders.reduce((min, o) => (o.validFrom < min ? o.validFrom : min), today).slice(0, 7);
  const lastDay = orders.reduce((max, o) => {
    const last = addDays(o.validUntil, gracePeriodDays);
    return last > max ? last : max;
  }, '0000-00-00');
  const lastMonth = (lastDay < today ? lastDay : today).slice(0, 7);
  const months = orders.length === 0 ? [] : monthsBetween(firstMonth, lastMonth);
  const byMonth = maskedRows(
    months.map((m) => ({ key: m, label: monthLabel(m) })),
    sumBy(cells, (c) => c.period, (c) => c.n),
    threshold,
  );

  // An order restricted to some services can only be used for them: its rows are those.
  const restricted = orders.length > 0 && orders.every((o) => o.allowedServices !== null);
  const serviceRows = restricted ? [...new Set(orders.flatMap((o) => JSON.parse(o.allowedServices!) as string[]))] : [...PLACE_SERVICES];
  const byService = maskedRows(
    [...serviceRows.map((s) => ({ key: s, label: s })), { key: UNSPECIFIED_SERVICE, label: UNSPECIFIED_SERVICE }],
    sumBy(cells, (c) => c.service ?? UNSPECIFIED_SERVICE, (c) => c.n),
    threshold,
  );

  const territories = getTerritories();
  const placeRows = repo.placeCommunes(db).map((p) => {
    const commune = territories.commune(p.communeCode);
    const epci = commune?.epci ? territories.epci(commune.epci) : undefined;
    return {
      key: `${p.placeId}:${p.communeCode}`,
      label: `${p.placeName} — ${commune?.name ?? p.communeCode}`,
      placeId: p.placeId,
      placeName: p.placeName,
      communeCode: p.communeCode,
      communeName: commune?.name ?? p.communeCode,
      epciName: epci?.name ?? null,
    };
  });
  const placeCounts = sumBy(cells, (c) => `${c.placeId}:${c.communeCode}`, (c) => c.n);
  const maskedPlaces = maskedRows(placeRows, placeCounts, threshold);
  const byPlace = placeRows.map((row, i) => ({ ...row, count: maskedPlaces[i]!.count, masked: maskedPlaces[i]!.masked }));

  const categories = listPublicCategories(db, { includeInactive: true });
  const publicCounts = sumBy(cells, (c) => c.publicCategory ?? '', (c) => c.n);
  const maskedPublics = maskedRows(
    categories.map((c) => ({ key: c.code, label: c.label })),
    publicCounts,
    threshold,
  );
  const byPublic = maskedPublics.map((cell, i) => ({ ...cell, priority: categories[i]!.priority }));

  const prescribers = repo.prescriberFacts(db, scope);
  const usedByPrescriber = sumBy(cells, (c) => c.prescriberId ?? '', (c) => c.n);
  const column = (values: number[]) => suppressSmallCells(values.map((count) => ({ count })), threshold).map((c) => c.count);
  const distributedColumn = column(prescribers.map((p) => p.distributed));
  const usedColumn = column(prescribers.map((p) => usedByPrescriber.get(p.prescriberId) ?? 0));
  const sleepingColumn = column(prescribers.map((p) => p.sleeping));
  const byPrescriber = prescribers.map((p, i) => ({
    prescriberId: p.prescriberId,
    prescriberName: p.prescriberName,
    heldBooklets: p.held,
    distributedBooklets: distributedColumn[i]!,
    usedPasses: usedColumn[i]!,
    sleepingBooklets: sleepingColumn[i]!,
    masked: distributedColumn[i] === null || usedColumn[i] === null || sleepingColumn[i] === null,
  }));

  const bandCounts = new Map<string, number>();
  for (const b of repo.handOutToFirstUse(db, scope)) {
    let key = 'not_used';
    if (b.firstUseOn !== null) {
      const days = daysBetween(b.distributedOn, parisDate(new Date(b.firstUseOn)));
      key = FIRST_USE_BANDS.find((band) => days <= band.max)!.key;
    }
    bandCounts.set(key, (bandCounts.get(key) ?? 0) + 1);
  }
  const handOutToFirstUse = maskedRows(
    [...FIRST_USE_BANDS.map((b) => ({ key: b.key, label: b.label })), { key: 'not_used', label: 'Aucun pass utilisé à ce jour' }],
    bandCounts,
    threshold,
  );

  return {
    smallCellThreshold: threshold,
    bought: count('issued', 'active', 'redeemed', 'reimbursed', 'blocked', 'expired'),
    distributed,
    used,
    expired: count('expired'),
    usedCents: cells.reduce((sum, c) => sum + c.cents, 0),
    usageRate: distributed === 0 ? null : Math.round((used / distributed) * 1000) / 10,
    byMonth,
    byService,
    byPlace,
    byPublic,
    byPrescriber,
    handOutToFirstUse,
  };
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
  return { orderId, reference: order.reference, ...usageOf({ ...deps, scope, threshold: thresholdFor(actor) }) };
}

/** The usage of all of the buyer's orders together. */
export function buyerUsage(deps: { db: DbOrTx; clock: Clock; gracePeriodDays: number; actor: Actor }): UsageView {
  return { orderId: null, reference: null, ...usageOf({ ...deps, scope: { buyerId: deps.actor.organisationId }, threshold: thresholdFor(deps.actor) }) };
}
