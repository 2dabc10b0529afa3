import { and, desc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { buyerPrescribers } from '../../../db/schema/notifications.ts';

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

/**
 * The /prescripteurs list: one row per prescriber and buyer that added it, with its contact (its
 * first admin's address). The operator sees every prescriber, with no buyer for those it created
 * itself; a buyer sees its own network only.
 */
export function prescriberDirectory(db: DbOrTx, scope: { buyerId?: string }) {
  const contact = sql<string | null>`(SELECT u.email FROM users u WHERE u.organisation_id = ${organisations.id} AND u.role = 'admin' ORDER BY u.created_at, u.id LIMIT 1)`;
  const columns = {
    ...PRESCRIBER_COLUMNS,
    contactEmail: contact,
    buyerName: buyer.name,
    addedByName: users.name,
    addedAt: buyerPrescribers.createdAt,
    created: buyerPrescribers.created,
  };
  const base = db.select(columns).from(organisations);
  const joined = scope.buyerId
    ? base.innerJoin(buyerPrescribers, and(eq(buyerPrescribers.prescriberId, organisations.id), eq(buyerPrescribers.buyerId, scope.buyerId)))
    : base.leftJoin(buyerPrescribers, eq(buyerPrescribers.prescriberId, organisations.id));
  return joined
    .leftJoin(buyer, eq(buyer.id, buyerPrescribers.buyerId))
    .leftJoin(users, eq(users.id, buyerPrescribers.addedByUserId))
    .where(eq(organisations.kind, 'prescriber'))
    .orderBy(sql`${organisations.name}`, organisations.id, buyerPrescribers.createdAt)
    .limit(1000)
    .all();
}

export function findPrescriber(db: DbOrTx, prescriberId: string) {
  return db
    .select({ id: organisations.id, name: organisations.name, status: organisations.status, siret: organisations.siret })
    .from(organisations)
    .where(and(eq(organisations.id, prescriberId), eq(organisations.kind, 'prescriber')))
    .get();
}
