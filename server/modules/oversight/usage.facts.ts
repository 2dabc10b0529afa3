import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, addMonths, parisDate } from '../../shared/paris-time.ts';
import { PLACE_SERVICES } from '../places/services.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import * as repo from './usage.repository.ts';

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

/**
 * A handed-out booklet is dormant when none of its passes was used in the 30 days after it was
 * handed out. Judged once those 30 days are over, the verdict never changes (a later use does not
 * undo it), so the count only grows from one snapshot to the next, which the masking rule needs
 * (`cumulative-publication.ts`, point 3). "Not started to this day" would fall each time a sleeping
 * booklet is used, and two exports could then give a masked cell back. A month is also when a
 * prescriber can still call the person back.
 */
export const DORMANT_AFTER_DAYS = 30;

/**
 * Bands of days between hand-out and first use, over booklets started: a first use, once its month
 * is settled, never moves, so these counts only grow too. Booklets not started are in no band (the
 * count of those not started "to this day" would fall): the dormant ones are counted by prescriber.
 */
export const FIRST_USE_BANDS = [
  { key: 'within_7_days', label: 'Dans les 7 jours', max: 7 },
  { key: 'within_30_days', label: 'De 8 à 30 jours', max: 30 },
  { key: 'within_90_days', label: 'De 31 à 90 jours', max: 90 },
  { key: 'later', label: 'Plus de 90 jours', max: Infinity },
] as const;

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

function sumBy<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number): Map<string, number> {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + value(item));
  return sums;
}

export interface Row {
  key: string;
  label: string;
}
export type PlaceRow = Row & { placeId: string; placeName: string; communeCode: string; communeName: string; epciName: string | null };

/** A breakdown before masking: its fixed rows and the count of each (0 when absent). */
export interface Breakdown<R extends Row = Row> {
  rows: R[];
  counts: Record<string, number>;
}

const breakdown = <R extends Row>(rows: R[], counts: ReadonlyMap<string, number>): Breakdown<R> => ({ rows, counts: Object.fromEntries(rows.map((r) => [r.key, counts.get(r.key) ?? 0])) });

/**
 * The breakdowns a dashboard masks, by name (the names are those of stored snapshots). Every one
 * only grows over settled months. The dormant and first-use tables were once 'prescriberSleeping'
 * and 'firstUse', counted "to this day" and able to fall: new names, so that their history starts
 * afresh rather than from a snapshot of another measure.
 */
export const MASKED_TABLES = ['service', 'place', 'public', 'prescriberDistributed', 'prescriberUsed', 'prescriberDormant', 'firstUseStarted'] as const;
export type MaskedTable = (typeof MASKED_TABLES)[number];

export interface UsageFacts {
  bought: number;
  expired: number;
  distributed: number;
  used: number;
  usedCents: number;
  months: Breakdown;
  tables: { service: Breakdown; place: Breakdown<PlaceRow>; public: Breakdown<Row & { priority: boolean }>; firstUseStarted: Breakdown } & Record<'prescriberDistributed' | 'prescriberUsed' | 'prescriberDormant', Breakdown>;
  prescribers: { prescriberId: string; prescriberName: string; held: number }[];
}

/**
 * What became of the passes of a scope of orders, unmasked, live or as of the end of
 * `scope.untilMonth`. The breakdowns run over fixed lists of rows (the months of validity, the
 * national services, every commune where a labelled place receives, the public categories, the
 * designated prescribers), so that which rows appear says nothing about the counts.
 */
export function usageFacts(deps: { db: DbOrTx; clock: Clock; gracePeriodDays: number; scope: repo.OrderScope }): UsageFacts {
  const { db, clock, gracePeriodDays, scope } = deps;
  const orders = repo.ordersInScope(db, scope);
  const totals = new Map(repo.passTotals(db, scope).map((r) => [r.status, r]));
  const count = (...statuses: string[]) => statuses.reduce((sum, s) => sum + (totals.get(s)?.n ?? 0), 0);
  const cells = repo.usedCells(db, scope);

  const today = parisDate(clock.now());
  const firstMonth = orders.reduce((min, o) => (o.validFrom < min ? o.validFrom : min), today).slice(0, 7);
  const lastDay = orders.reduce((max, o) => {
    const last = addDays(o.validUntil, gracePeriodDays);
    return last > max ? last : max;
  }, '0000-00-00');
  let lastMonth = (lastDay < today ? lastDay : today).slice(0, 7);
  if (scope.untilMonth !== undefined && scope.untilMonth < lastMonth) lastMonth = scope.untilMonth;
  const months = orders.length === 0 ? [] : monthsBetween(firstMonth, lastMonth);

  // An order restricted to some services can only be used for them: its rows are those.
  const restricted = orders.length > 0 && orders.every((o) => o.allowedServices !== null);
  const serviceRows = restricted ? [...new Set(orders.flatMap((o) => JSON.parse(o.allowedServices!) as string[]))] : [...PLACE_SERVICES];

  const territories = getTerritories();
  // Where labelled places receive today, and wherever a counted use happened: a place no longer
  // labelled, or a site that moved, keeps its row, so that no count falls (a fallen count is news).
  const listed = repo.placeCommunes(db);
  const listedKeys = new Set(listed.map((p) => `${p.placeId}:${p.communeCode}`));
  const usedElsewhere = [...new Map(cells.filter((c) => !listedKeys.has(`${c.placeId}:${c.communeCode}`)).map((c) => [`${c.placeId}:${c.communeCode}`, c])).values()];
  const placeRows = [...listed, ...usedElsewhere].map((p): PlaceRow => {
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
  const categories = listPublicCategories(db, { includeInactive: true });

  const prescribers = repo.prescriberFacts(db, scope);
  const prescriberRows = prescribers.map((p) => ({ key: p.prescriberId, label: p.prescriberName }));
  const usedByPrescriber = sumBy(cells, (c) => c.prescriberId ?? '', (c) => c.n);

  // The day the figures stop: the end of the snapshot's month, or today for live figures.
  const lastCountedDay = scope.untilMonth === undefined ? today : addDays(addMonths(`${scope.untilMonth}-01`, 1), -1);
  const bandCounts = new Map<string, number>();
  const dormantByPrescriber = new Map<string, number>();
  for (const b of repo.handOutToFirstUse(db, scope)) {
    const daysToFirstUse = b.firstUseOn === null ? null : daysBetween(b.distributedOn, parisDate(new Date(b.firstUseOn)));
    if (daysToFirstUse !== null) {
      const band = FIRST_USE_BANDS.find((candidate) => daysToFirstUse <= candidate.max)!.key;
      bandCounts.set(band, (bandCounts.get(band) ?? 0) + 1);
    }
    const judged = addDays(b.distributedOn, DORMANT_AFTER_DAYS) <= lastCountedDay;
    if (judged && (daysToFirstUse === null || daysToFirstUse > DORMANT_AFTER_DAYS)) dormantByPrescriber.set(b.prescriberId, (dormantByPrescriber.get(b.prescriberId) ?? 0) + 1);
  }

  return {
    bought: count('issued', 'active', 'redeemed', 'reimbursed', 'blocked', 'expired'),
    expired: count('expired'),
    distributed: repo.distributedPasses(db, scope),
    used: cells.reduce((sum, c) => sum + c.n, 0),
    usedCents: cells.reduce((sum, c) => sum + c.cents, 0),
    months: breakdown(
      months.map((m) => ({ key: m, label: monthLabel(m) })),
      sumBy(cells, (c) => c.period, (c) => c.n),
    ),
    tables: {
      service: breakdown(
        [...serviceRows.map((s) => ({ key: s, label: s })), { key: UNSPECIFIED_SERVICE, label: UNSPECIFIED_SERVICE }],
        sumBy(cells, (c) => c.service ?? UNSPECIFIED_SERVICE, (c) => c.n),
      ),
      place: breakdown(
        placeRows,
        sumBy(cells, (c) => `${c.placeId}:${c.communeCode}`, (c) => c.n),
      ),
      public: breakdown(
        categories.map((c) => ({ key: c.code, label: c.label, priority: c.priority })),
        sumBy(cells, (c) => c.publicCategory ?? '', (c) => c.n),
      ),
      prescriberDistributed: breakdown(prescriberRows, new Map(prescribers.map((p) => [p.prescriberId, p.distributed]))),
      prescriberUsed: breakdown(prescriberRows, usedByPrescriber),
      prescriberDormant: breakdown(prescriberRows, dormantByPrescriber),
      firstUseStarted: breakdown(
        FIRST_USE_BANDS.map((b) => ({ key: b.key, label: b.label })),
        bandCounts,
      ),
    },
    prescribers: prescribers.map((p) => ({ prescriberId: p.prescriberId, prescriberName: p.prescriberName, held: p.held })),
  };
}
