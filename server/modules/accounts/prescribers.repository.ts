import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users, type PrescriberKind } from '../../../db/schema/accounts.ts';
import { buyerPrescribers } from '../../../db/schema/notifications.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, ignoringCase, orderByFor, readWindow, searchCondition, searchOrAlso } from '../../shared/list-sql.repository.ts';

export function findOrganisationBySiret(db: DbOrTx, siret: string) {
  return db.select().from(organisations).where(eq(organisations.siret, siret)).all();
}

export function insertPrescriberOrganisation(
  tx: DbOrTx,
  p: { id: string; name: string; siret: string; communeCode: string; kind: NonNullable<typeof organisations.$inferSelect.prescriberKind>; createdAt: string },
): void {
  tx.insert(organisations)
    .values({ id: p.id, kind: 'prescriber', name: p.name, siret: p.siret, buyerType: null, communeCode: p.communeCode, address: null, status: 'active', createdAt: p.createdAt, prescriberKind: p.kind })
    .run();
}

/** Idempotent: a buyer adding a prescriber already in its network changes nothing. */
export function linkPrescriber(tx: DbOrTx, row: typeof buyerPrescribers.$inferInsert): void {
  tx.insert(buyerPrescribers).values(row).onConflictDoNothing().run();
}

const buyer = alias(organisations, 'buyer');

/** What both prescriber lists say of the prescriber itself. */
const PRESCRIBER_COLUMNS = {
  id: organisations.id,
  name: organisations.name,
  siret: organisations.siret,
  kind: organisations.prescriberKind,
  communeCode: organisations.communeCode,
  status: organisations.status,
};

/** Who added which prescriber: every link for the operator, the buyer's own otherwise. */
export function listNetwork(db: DbOrTx, scope: { buyerId?: string }) {
  return db
    .select({
      ...PRESCRIBER_COLUMNS,
      buyerId: buyerPrescribers.buyerId,
      buyerName: buyer.name,
      addedByName: users.name,
      addedAt: buyerPrescribers.createdAt,
      created: buyerPrescribers.created,
    })
    .from(buyerPrescribers)
    .innerJoin(organisations, eq(organisations.id, buyerPrescribers.prescriberId))
    .innerJoin(buyer, eq(buyer.id, buyerPrescribers.buyerId))
    .leftJoin(users, eq(users.id, buyerPrescribers.addedByUserId))
    .where(scope.buyerId ? eq(buyerPrescribers.buyerId, scope.buyerId) : undefined)
    .orderBy(desc(buyerPrescribers.createdAt), sql`${organisations.name}`)
    .limit(1000)
    .all();
}

export function setPrescriberStatus(tx: DbOrTx, prescriberId: string, status: 'active' | 'suspended'): boolean {
  return (
    tx
      .update(organisations)
      .set({ status })
      .where(and(eq(organisations.id, prescriberId), eq(organisations.kind, 'prescriber')))
      .run().changes === 1
  );
}

export const PRESCRIBER_SORTS = {
  nom: ignoringCase(organisations.name),
  type: organisations.prescriberKind,
  statut: organisations.status,
  date: organisations.createdAt,
} as const;
export type PrescriberSort = keyof typeof PRESCRIBER_SORTS;

export interface PrescriberCriteria {
  q: string;
  /** Communes whose name matches the search, found by the caller in the territories' reference. */
  communeCodes: string[];
  kind?: PrescriberKind;
  status?: 'active' | 'suspended';
}

/** Who sees what: every prescriber for the operator, the prescribers a buyer added to its network otherwise. */
export interface PrescriberScope {
  buyerId?: string;
}

/** One buyer's adding of a prescriber, as the list shows it. */
export interface PrescriberLink {
  buyerName: string;
  addedByName: string | null;
  addedAt: string;
  created: boolean;
}

/**
 * The listed prescriber's id, table included: the list selects from one table, so drizzle writes its
 * columns bare, and a bare `id` inside a subquery would be the subquery's own row.
 */
const listedPrescriberId = sql.raw('"organisations"."id"');

const inScope = (scope: PrescriberScope) =>
  scope.buyerId
    ? sql`EXISTS (SELECT 1 FROM buyer_prescribers bp WHERE bp.prescriber_id = ${listedPrescriberId} AND bp.buyer_id = ${scope.buyerId})`
    : undefined;

function prescriberWhere(scope: PrescriberScope, criteria: PrescriberCriteria) {
  const byText = searchCondition(criteria.q, [organisations.name, organisations.siret, organisations.communeCode]);
  const byCommune = criteria.communeCodes.length > 0 ? inArray(organisations.communeCode, criteria.communeCodes) : undefined;
  return and(
    eq(organisations.kind, 'prescriber'),
    inScope(scope),
    criteria.kind ? eq(organisations.prescriberKind, criteria.kind) : undefined,
    criteria.status ? eq(organisations.status, criteria.status) : undefined,
    searchOrAlso(byText, byCommune),
  );
}

/**
 * The /prescripteurs list: one row per prescriber, with its contact (its first admin's address) and
 * the buyers that added it, oldest first (a buyer only sees its own adding). The operator sees every
 * prescriber, with no buyer for those it created itself.
 */
function matchingPrescribers(db: DbOrTx, scope: PrescriberScope, criteria: PrescriberCriteria) {
  const contact = sql<string | null>`(SELECT u.email FROM users u WHERE u.organisation_id = ${listedPrescriberId} AND u.role = 'admin' ORDER BY u.created_at, u.id LIMIT 1)`;
  const ownLink = scope.buyerId ? sql`AND bp.buyer_id = ${scope.buyerId}` : sql``;
  const links = sql<string>`(SELECT json_group_array(json_object('buyerName', l.buyer_name, 'addedByName', l.added_by, 'addedAt', l.created_at, 'created', l.created)) FROM (
    SELECT b.name AS buyer_name, u.name AS added_by, bp.created_at, bp.created FROM buyer_prescribers bp
    JOIN organisations b ON b.id = bp.buyer_id LEFT JOIN users u ON u.id = bp.added_by_user_id
    WHERE bp.prescriber_id = ${listedPrescriberId} ${ownLink} ORDER BY bp.created_at, bp.id) l)`;
  return db.select({ ...PRESCRIBER_COLUMNS, contactEmail: contact, links }).from(organisations).where(prescriberWhere(scope, criteria)).$dynamic();
}

export function countPrescriberSearch(db: DbOrTx, scope: PrescriberScope, criteria: PrescriberCriteria): number {
  return countMatching(db, matchingPrescribers(db, scope, criteria));
}

export function searchPrescribers(db: DbOrTx, scope: PrescriberScope, criteria: PrescriberCriteria, sort: { key: PrescriberSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingPrescribers(db, scope, criteria), orderByFor(PRESCRIBER_SORTS, sort, organisations.id), window).map((row) => ({ ...row, links: (JSON.parse(row.links) as (Omit<PrescriberLink, 'created'> & { created: number })[]).map((l) => ({ ...l, created: Boolean(l.created) })) }));
}

export function findPrescriber(db: DbOrTx, prescriberId: string) {
  return db
    .select({ id: organisations.id, name: organisations.name, status: organisations.status, siret: organisations.siret })
    .from(organisations)
    .where(and(eq(organisations.id, prescriberId), eq(organisations.kind, 'prescriber')))
    .get();
}
