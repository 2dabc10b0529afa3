import { and, asc, count, desc, eq, gte, inArray, isNull, like, lte, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { bookletMovementItems, bookletMovements, distributions, prescriberDesignations } from '../../../db/schema/distribution.ts';
import { orders } from '../../../db/schema/orders.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { getTerritories } from '../territories/territories.ts';
import { suppressSmallCells } from '../../shared/small-cells.ts';
import { countBy } from './distribution-stats.repository.ts';

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
