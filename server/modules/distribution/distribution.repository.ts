import { and, asc, count, desc, eq, gte, inArray, isNull, like, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { bookletMovementItems, bookletMovements, distributions, prescriberDesignations, type AgeBand } from '../../../db/schema/distribution.ts';
import { orders } from '../../../db/schema/orders.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import { HANDED_OUT_STATUSES } from './activation.ts';
import { AGE_BAND_LABELS } from './distribution.schemas.ts';
import { shareOrHidden, SMALL_CELL_THRESHOLD, suppressSmallCells } from '../../shared/small-cells.ts';

/*
 * Read side of the distribution network. Every query is scoped to the actor's organisation:
 * the operator sees everything, a buyer its own orders, a prescriber what it holds or did.
 */

type Keyset = { createdAt: string; id: string } | undefined;

export function listPrescriberOrganisations(db: DbOrTx, page: { limit: number; after?: Keyset; q?: string }) {
  const rows = db
    .select({ id: organisations.id, name: organisations.name, communeCode: organisations.communeCode, createdAt: organisations.createdAt })
    .from(organisations)
    .where(
      and(
        eq(organisations.kind, 'prescriber'),
        eq(organisations.status, 'active'),
        page.q ? like(organisations.name, `%${page.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`) : undefined,
        page.after ? sql`(${organisations.name}, ${organisations.id}) > (${page.after.createdAt}, ${page.after.id})` : undefined,
      ),
    )
    .orderBy(asc(organisations.name), asc(organisations.id))
    .limit(page.limit + 1)
    .all();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    communeCode: r.communeCode,
    communeName: r.communeCode ? (getTerritories().commune(r.communeCode)?.name ?? null) : null,
    // Keyset on the name: the list is read in alphabetical order.
    createdAt: r.name,
  }));
}

/**
 * Live designations of an order with what each prescriber holds and has handed out. Handed-out counts
 * are beneficiary counts: hidden under the threshold (buyers), like the statistics.
 */
export function listDesignations(db: DbOrTx, orderId: string, threshold = 0) {
  const rows = db
    .select({
      prescriberId: prescriberDesignations.prescriberId,
      prescriberName: organisations.name,
      designatedAt: prescriberDesignations.designatedAt,
    })
    .from(prescriberDesignations)
    .innerJoin(organisations, eq(organisations.id, prescriberDesignations.prescriberId))
    .where(and(eq(prescriberDesignations.orderId, orderId), isNull(prescriberDesignations.revokedAt)))
    .orderBy(asc(organisations.name))
    .all();
  const held = countBy(
    db
      .select({ key: booklets.holderId, n: count() })
      .from(booklets)
      .where(and(eq(booklets.orderId, orderId), eq(booklets.status, 'allotted')))
      .groupBy(booklets.holderId)
      .all(),
  );
  const handedOut = countBy(
    db
      .select({ key: distributions.prescriberId, n: count() })
      .from(distributions)
      .where(eq(distributions.orderId, orderId))
      .groupBy(distributions.prescriberId)
      .all(),
  );
  return suppressSmallCells(
    rows.map((r) => ({ orderId, ...r, heldBooklets: held.get(r.prescriberId) ?? 0, count: handedOut.get(r.prescriberId) ?? 0 })),
    threshold,
  ).map(({ count: distributedBooklets, ...r }) => ({ ...r, distributedBooklets }));
}

function countBy(rows: { key: string | null; n: number }[]): Map<string, number> {
  return new Map(rows.map((r) => [r.key ?? '', r.n]));
}

/** Orders a prescriber may hand out now: live designations, with what it holds of each. */
export function listPrescriberOrders(db: DbOrTx, prescriberId: string) {
  const rows = db
    .select({ order: orders, buyerName: organisations.name })
    .from(prescriberDesignations)
    .innerJoin(orders, eq(orders.id, prescriberDesignations.orderId))
    .innerJoin(organisations, eq(organisations.id, orders.buyerId))
    .where(and(eq(prescriberDesignations.prescriberId, prescriberId), isNull(prescriberDesignations.revokedAt)))
    .orderBy(asc(orders.validUntil))
    .all();
  const held = countBy(
    db
      .select({ key: booklets.orderId, n: count() })
      .from(booklets)
      .where(and(eq(booklets.holderId, prescriberId), eq(booklets.status, 'allotted')))
      .groupBy(booklets.orderId)
      .all(),
  );
  return rows.map((r) => ({ ...r, held: held.get(r.order.id) ?? 0 }));
}

/** Booklets the actor holds and may still hand out or allot: a prescriber's allotted ones, a buyer's stock. */
export function listStock(db: DbOrTx, actor: Actor, page: { limit: number; after?: Keyset; orderId?: string }) {
  const status = actor.organisationKind === 'prescriber' ? 'allotted' : 'in_stock';
  const designated =
    actor.organisationKind === 'prescriber'
      ? inArray(
          booklets.orderId,
          db
            .select({ id: prescriberDesignations.orderId })
            .from(prescriberDesignations)
            .where(and(eq(prescriberDesignations.prescriberId, actor.organisationId), isNull(prescriberDesignations.revokedAt))),
        )
      : undefined;
  return db
    .select({
      id: booklets.id,
      serial: booklets.serial,
      orderId: booklets.orderId,
      orderReference: orders.reference,
      status: booklets.status,
      validFrom: orders.validFrom,
      validUntil: orders.validUntil,
    })
    .from(booklets)
    .innerJoin(orders, eq(orders.id, booklets.orderId))
    .where(
      and(
        eq(booklets.holderId, actor.organisationId),
        eq(booklets.status, status),
        designated,
        page.orderId ? eq(booklets.orderId, page.orderId) : undefined,
        page.after ? sql`(${booklets.serial}, ${booklets.id}) > (${page.after.createdAt}, ${page.after.id})` : undefined,
      ),
    )
    .orderBy(asc(booklets.serial), asc(booklets.id))
    .limit(page.limit + 1)
    .all()
    .map((r) => ({ ...r, createdAt: r.serial }));
}

const fromOrg = alias(organisations, 'from_org');
const toOrg = alias(organisations, 'to_org');
const actorOrg = alias(organisations, 'actor_org');

function movementScope(actor: Actor): SQL | undefined {
  if (isOperator(actor)) return undefined;
  if (actor.organisationKind === 'buyer') return eq(orders.buyerId, actor.organisationId);
  return or(eq(bookletMovements.fromOrganisationId, actor.organisationId), eq(bookletMovements.toOrganisationId, actor.organisationId));
}

/** Custody record, newest first. `bookletId` narrows it to one booklet's history. */
export function listMovements(db: DbOrTx, actor: Actor, page: { limit: number; afterId?: number; orderId?: string; bookletId?: string }) {
  return db
    .select({
      id: bookletMovements.id,
      kind: bookletMovements.kind,
      orderId: bookletMovements.orderId,
      orderReference: orders.reference,
      fromOrganisationId: bookletMovements.fromOrganisationId,
      fromOrganisationName: fromOrg.name,
      toOrganisationId: bookletMovements.toOrganisationId,
      toOrganisationName: toOrg.name,
      bookletCount: bookletMovements.bookletCount,
      serialsSummary: bookletMovements.serialsSummary,
      reason: bookletMovements.reason,
      actorName: users.name,
      actorOrganisationName: actorOrg.name,
      at: bookletMovements.at,
    })
    .from(bookletMovements)
    .innerJoin(orders, eq(orders.id, bookletMovements.orderId))
    .leftJoin(fromOrg, eq(fromOrg.id, bookletMovements.fromOrganisationId))
    .leftJoin(toOrg, eq(toOrg.id, bookletMovements.toOrganisationId))
    .leftJoin(actorOrg, eq(actorOrg.id, bookletMovements.actorOrganisationId))
    .leftJoin(users, eq(users.id, bookletMovements.actorUserId))
    .where(
      and(
        movementScope(actor),
        page.orderId ? eq(bookletMovements.orderId, page.orderId) : undefined,
        page.afterId !== undefined ? sql`${bookletMovements.id} < ${page.afterId}` : undefined,
        page.bookletId
          ? inArray(
              bookletMovements.id,
              db.select({ id: bookletMovementItems.movementId }).from(bookletMovementItems).where(eq(bookletMovementItems.bookletId, page.bookletId)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(bookletMovements.id))
    .limit(page.limit + 1)
    .all();
}

export type MovementListRow = ReturnType<typeof listMovements>[number];

/**
 * Distributions, newest first. A buyer gets the rows without the beneficiary's public, commune and
 * age band: line by line they would single people out; it sees those only as suppressed statistics.
 */
export function listDistributions(db: DbOrTx, actor: Actor, page: { limit: number; after?: Keyset; orderId?: string; from?: string; to?: string }) {
  const scope = isOperator(actor)
    ? undefined
    : actor.organisationKind === 'buyer'
      ? eq(distributions.buyerId, actor.organisationId)
      : eq(distributions.prescriberId, actor.organisationId);
  const rows = db
    .select({ d: distributions, serial: booklets.serial, orderReference: orders.reference, prescriberName: organisations.name })
    .from(distributions)
    .innerJoin(booklets, eq(booklets.id, distributions.bookletId))
    .innerJoin(orders, eq(orders.id, distributions.orderId))
    .innerJoin(organisations, eq(organisations.id, distributions.prescriberId))
    .where(
      and(
        scope,
        page.orderId ? eq(distributions.orderId, page.orderId) : undefined,
        page.from ? gte(distributions.distributedOn, page.from) : undefined,
        page.to ? lte(distributions.distributedOn, page.to) : undefined,
        page.after ? sql`(${distributions.distributedAt}, ${distributions.id}) < (${page.after.createdAt}, ${page.after.id})` : undefined,
      ),
    )
    .orderBy(desc(distributions.distributedAt), desc(distributions.id))
    .limit(page.limit + 1)
    .all();
  const detailed = actor.organisationKind !== 'buyer';
  return rows.map(({ d, serial, orderReference, prescriberName }) => ({
    id: d.id,
    createdAt: d.distributedAt,
    bookletSerial: serial,
    orderId: d.orderId,
    orderReference,
    prescriberId: d.prescriberId,
    prescriberName,
    publicCategory: detailed ? d.publicCategory : null,
    communeCode: detailed ? d.communeCode : null,
    communeName: detailed ? (getTerritories().commune(d.communeCode)?.name ?? d.communeCode) : null,
    ageBand: detailed ? d.ageBand : null,
    distributedOn: d.distributedOn,
    distributedAt: d.distributedAt,
  }));
}

export type DistributionListItem = ReturnType<typeof listDistributions>[number];

// ---------------------------------------------------------------------------------------------
// Statistics

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
