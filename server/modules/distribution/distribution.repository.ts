import { and, asc, count, desc, eq, gte, inArray, isNull, like, lte, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { booklets } from '../../../db/schema/booklets.ts';
import { bookletMovementItems, bookletMovements, distributions, prescriberDesignations, type MovementKind } from '../../../db/schema/distribution.ts';
import { orders } from '../../../db/schema/orders.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { getTerritories } from '../territories/territories.ts';
import { suppressSmallCells } from '../../shared/small-cells.ts';
import { countBy } from './distribution-stats.repository.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, inParisMonth, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';

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
      prescriberSiret: organisations.siret,
      prescriberCommuneCode: organisations.communeCode,
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

/** A movement as lists show it: what, from whom to whom, which booklets, by whom. */
function movementRows(db: DbOrTx) {
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
    .leftJoin(users, eq(users.id, bookletMovements.actorUserId));
}

/** Custody record, newest first. `bookletId` narrows it to one booklet's history. */
export function listMovements(db: DbOrTx, actor: Actor, page: { limit: number; afterId?: number; orderId?: string; bookletId?: string }) {
  return movementRows(db)
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

// --- An order's movements as a list (issue 16): search, kind, month, sort -----------------------

export const MOVEMENT_SORTS = { date: bookletMovements.at, carnets: bookletMovements.bookletCount } as const;
export type MovementSort = keyof typeof MOVEMENT_SORTS;

export interface MovementCriteria {
  orderId: string;
  q: string;
  kind?: MovementKind;
  /** A Paris month "2026-11". */
  month?: string;
  /**
   * Communes whose name matches the search (found by the caller in the territories' reference):
   * hand-outs to a beneficiary living there match. Only for the operator: a buyer never sees a
   * beneficiary's commune line by line (listDistributions), so its search does not look at it.
   */
  beneficiaryCommuneCodes: string[];
}

/** Every serial a movement moved, as one text a search can match (a range's summary names its ends only). */
const movedSerials = sql`(SELECT group_concat(${booklets.serial}, ' ') FROM ${bookletMovementItems} INNER JOIN ${booklets} ON ${booklets.id} = ${bookletMovementItems.bookletId} WHERE ${bookletMovementItems.movementId} = ${bookletMovements.id})`;
/** The commune of the beneficiary a hand-out went to (one booklet per hand-out). */
const beneficiaryCommune = sql<string | null>`(SELECT ${distributions.communeCode} FROM ${distributions} INNER JOIN ${bookletMovementItems} ON ${bookletMovementItems.bookletId} = ${distributions.bookletId} WHERE ${bookletMovementItems.movementId} = ${bookletMovements.id} AND ${bookletMovements.kind} = 'distribution' LIMIT 1)`;

function movementWhere(actor: Actor, criteria: MovementCriteria) {
  const byText = searchCondition(criteria.q, [movedSerials, bookletMovements.serialsSummary, fromOrg.name, toOrg.name]);
  const byCommune = criteria.beneficiaryCommuneCodes.length > 0 ? inArray(beneficiaryCommune, criteria.beneficiaryCommuneCodes) : undefined;
  return and(
    movementScope(actor),
    eq(bookletMovements.orderId, criteria.orderId),
    criteria.kind ? eq(bookletMovements.kind, criteria.kind) : undefined,
    criteria.month ? inParisMonth(bookletMovements.at, criteria.month) : undefined,
    byText && byCommune ? or(byText, byCommune) : byText,
  );
}

const matchingMovements = (db: DbOrTx, actor: Actor, criteria: MovementCriteria) => movementRows(db).where(movementWhere(actor, criteria)).$dynamic();

export function countMovementSearch(db: DbOrTx, actor: Actor, criteria: MovementCriteria): number {
  return countMatching(db, matchingMovements(db, actor, criteria));
}

export function searchMovements(db: DbOrTx, actor: Actor, criteria: MovementCriteria, sort: { key: MovementSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingMovements(db, actor, criteria), orderByFor(MOVEMENT_SORTS, sort, bookletMovements.id), window);
}

/** The beneficiary's commune of each hand-out among `movementIds`, for the operator's list. */
export function beneficiaryCommunes(db: DbOrTx, movementIds: number[]): Map<number, string> {
  if (movementIds.length === 0) return new Map();
  const rows = db
    .select({ id: bookletMovementItems.movementId, code: distributions.communeCode })
    .from(bookletMovementItems)
    .innerJoin(bookletMovements, eq(bookletMovements.id, bookletMovementItems.movementId))
    .innerJoin(distributions, eq(distributions.bookletId, bookletMovementItems.bookletId))
    .where(and(inArray(bookletMovementItems.movementId, movementIds), eq(bookletMovements.kind, 'distribution')))
    .all();
  return new Map(rows.map((r) => [r.id, r.code]));
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
