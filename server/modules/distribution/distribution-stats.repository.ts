/**
 * Distribution statistics: counts of booklets by status and of beneficiaries by prescriber, month,
 * public, commune and age band, with small cells hidden for buyers (domain rule 10). Scoped like
 * the lists in distribution.repository.ts: the operator sees everything, a buyer its own orders.
 */
import { and, count, eq, inArray, sql, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { distributions, type AgeBand } from '../../../db/schema/distribution.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import { HANDED_OUT_STATUSES } from './activation.ts';
import { AGE_BAND_LABELS } from './distribution.schemas.ts';
import { shareOrHidden, SMALL_CELL_THRESHOLD, suppressSmallCells } from '../../shared/small-cells.ts';

/** Grouped counts (`key`, `n`) → a map; a null key counts under ''. */
export function countBy(rows: { key: string | null; n: number }[]): Map<string, number> {
  return new Map(rows.map((r) => [r.key ?? '', r.n]));
}


/**
 * Buyers see counts of beneficiaries only from 5 up (domain rule 10). The operator, who may read each
 * distribution anyway, and prescribers, who recorded them, see exact counts.
 */
export const suppressionThreshold = (actor: Actor): number => (actor.organisationKind === 'buyer' ? SMALL_CELL_THRESHOLD : 0);

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const monthLabel = (month: string) => `${MONTHS[Number(month.slice(5, 7)) - 1] ?? month.slice(5, 7)} ${month.slice(0, 4)}`;

/**
 * Distribution statistics of one order, or of every order in the actor's scope (orderId null).
 * Cells under 5 beneficiaries are hidden for buyers (domain rule 10); the operator, who may read
 * each distribution anyway, sees exact counts.
 */
export function distributionStats(db: DbOrTx, actor: Actor, orderId: string | null) {
  const threshold = suppressionThreshold(actor);
  const bookletScope = orderId ? eq(booklets.orderId, orderId) : isOperator(actor) ? undefined : eq(booklets.buyerId, actor.organisationId);
  const distributionScope = orderId
    ? eq(distributions.orderId, orderId)
    : isOperator(actor)
      ? undefined
      : eq(distributions.buyerId, actor.organisationId);

  const byStatus = countBy(db.select({ key: booklets.status, n: count() }).from(booklets).where(bookletScope).groupBy(booklets.status).all());
  const status = (s: string) => byStatus.get(s) ?? 0;
  const bookletCounts = {
    total: [...byStatus.values()].reduce((a, b) => a + b, 0),
    inStock: status('in_stock'),
    allotted: status('allotted'),
    distributed: HANDED_OUT_STATUSES.reduce((sum, s) => sum + status(s), 0),
    blocked: status('blocked'),
    expired: status('expired'),
  };

  const grouped = (column: SQLWrapper) =>
    db
      .select({ key: sql<string | null>`${column}`, n: count() })
      .from(distributions)
      .where(distributionScope)
      .groupBy(sql`${column}`)
      .all()
      .map((r) => ({ key: r.key ?? '', n: r.n, missing: r.key === null }));

  // Prescribers: booklets they hold now (not about beneficiaries) and booklets they handed out.
  const held = countBy(
    db
      .select({ key: booklets.holderId, n: count() })
      .from(booklets)
      .where(and(bookletScope, eq(booklets.status, 'allotted')))
      .groupBy(booklets.holderId)
      .all(),
  );
  const handedOut = countBy(grouped(distributions.prescriberId));
  const prescriberIds = [...new Set([...held.keys(), ...handedOut.keys()])];
  const names = new Map(
    prescriberIds.length === 0
      ? []
      : db
          .select({ id: organisations.id, name: organisations.name })
          .from(organisations)
          .where(and(inArray(organisations.id, prescriberIds), eq(organisations.kind, 'prescriber')))
          .all()
          .map((o) => [o.id, o.name]),
  );
  const prescriberCells = prescriberIds
    .filter((id) => names.has(id))
    .map((id) => ({ key: id, label: names.get(id)!, count: handedOut.get(id) ?? 0, held: held.get(id) ?? 0 }))
    .sort((a, b) => a.label.localeCompare(b.label, 'fr'));
  const byPrescriber = suppressSmallCells(prescriberCells, threshold).map((c) => ({
    prescriberId: c.key,
    prescriberName: c.label,
    held: c.held,
    distributed: c.count,
  }));

  const byMonth = suppressSmallCells(
    grouped(sql`substr(${distributions.distributedOn}, 1, 7)`)
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((r) => ({ key: r.key, label: monthLabel(r.key), count: r.n })),
    threshold,
  );

  const categories = new Map(listPublicCategories(db, { includeInactive: true }).map((c) => [c.code, c]));
  const publicRows = grouped(distributions.publicCategory);
  const byPublic = suppressSmallCells(
    publicRows
      .map((r) => ({ key: r.key, label: categories.get(r.key)?.label ?? r.key, priority: categories.get(r.key)?.priority ?? false, count: r.n }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'fr')),
    threshold,
  );
  const total = publicRows.reduce((sum, r) => sum + r.n, 0);
  const priorityCount = publicRows.filter((r) => categories.get(r.key)?.priority).reduce((sum, r) => sum + r.n, 0);

  // An arrondissement counts for its commune: Lyon 3e is Lyon in the statistics.
  const communeCounts = new Map<string, number>();
  for (const r of grouped(distributions.communeCode)) {
    const commune = getTerritories().commune(r.key);
    const code = commune?.parent ?? r.key;
    communeCounts.set(code, (communeCounts.get(code) ?? 0) + r.n);
  }
  const byCommune = suppressSmallCells(
    [...communeCounts]
      .map(([code, n]) => {
        const commune = getTerritories().commune(code);
        return { key: code, label: commune ? `${commune.name} (${commune.departement})` : code, count: n };
      })
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'fr')),
    threshold,
  );

  const byAgeBand = suppressSmallCells(
    grouped(distributions.ageBand)
      .map((r) => ({ key: r.missing ? 'unknown' : r.key, label: r.missing ? 'Non renseignée' : (AGE_BAND_LABELS[r.key as AgeBand] ?? r.key), count: r.n }))
      .sort((a, b) => (a.key < b.key ? -1 : 1)),
    threshold,
  );

  return {
    orderId,
    smallCellThreshold: threshold,
    booklets: bookletCounts,
    byPrescriber,
    byMonth,
    byPublic,
    byCommune,
    byAgeBand,
    priorityShare: shareOrHidden(priorityCount, total, threshold),
  };
}

export type DistributionStats = ReturnType<typeof distributionStats>;

/** Booklets of an order handed out so far: a count of booklets that left stock, not of people, so never hidden. */
export function distributedCount(db: DbOrTx, scope: { orderId?: string; buyerId?: string; prescriberId?: string }): number {
  return (
    db
      .select({ n: count() })
      .from(distributions)
      .where(
        and(
          scope.orderId ? eq(distributions.orderId, scope.orderId) : undefined,
          scope.buyerId ? eq(distributions.buyerId, scope.buyerId) : undefined,
          scope.prescriberId ? eq(distributions.prescriberId, scope.prescriberId) : undefined,
        ),
      )
      .get()?.n ?? 0
  );
}
