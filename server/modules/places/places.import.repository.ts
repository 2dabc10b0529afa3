/**
 * The queries of the places import (places.import.ts): find what a row already is (its site by
 * external id, its place by SIRET or pivot), and write new places and sites in status `applied`.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { places, placeSites } from '../../../db/schema/places.ts';
import type { PlaceRow, SiteRow } from './places.repository.ts';

/** The place organisation with this SIRET, else the place with this pivot (SIRET, RNA or RIDET). */
export function placeIdByIdentity(db: DbOrTx, identity: { siret: string | null; pivot: string | null }): string | undefined {
  if (identity.siret) {
    const org = db
      .select({ id: organisations.id })
      .from(organisations)
      .innerJoin(places, eq(places.organisationId, organisations.id))
      .where(and(eq(organisations.kind, 'place'), eq(organisations.siret, identity.siret)))
      .get();
    if (org) return org.id;
  }
  if (identity.pivot) {
    return db
      .select({ id: places.organisationId })
      .from(places)
      .where(eq(places.pivot, identity.pivot))
      .get()?.id;
  }
  return undefined;
}

/** The site an earlier import of the same open-data row created. */
export function siteByExternalId(db: DbOrTx, externalId: string): SiteRow | undefined {
  return db.select().from(placeSites).where(eq(placeSites.externalId, externalId)).get();
}

/** A site that came from no file (its external id is empty), by its own id. */
export function siteFromNoFile(db: DbOrTx, siteId: string): SiteRow | undefined {
  return db.select().from(placeSites).where(and(eq(placeSites.id, siteId), isNull(placeSites.externalId))).get();
}

export function placeRowOf(db: DbOrTx, placeId: string): PlaceRow | undefined {
  return db.select().from(places).where(eq(places.organisationId, placeId)).get();
}

/** The reviewer's hint that the place already takes the Pass numérique. */
export function flagAcceptsPassNumerique(tx: Tx, placeId: string, now: string): void {
  tx.update(places).set({ acceptsPassNumerique: true, updatedAt: now }).where(eq(places.organisationId, placeId)).run();
}

/** A place organisation first met in an open-data file: status `applied`, never labelled before an operator reviews it. */
export function insertImportedPlace(
  tx: Tx,
  input: { placeId: string; name: string; siret: string | null; pivot: string | null; communeCode: string; address: string; acceptsPassNumerique: boolean; now: string },
): void {
  const { placeId, now } = input;
  tx.insert(organisations)
    .values({
      id: placeId,
      kind: 'place',
      name: input.name,
      siret: input.siret,
      buyerType: null,
      communeCode: input.communeCode,
      address: input.address,
      status: 'active',
      createdAt: now,
    })
    .run();
  tx.insert(places)
    .values({
      organisationId: placeId,
      status: 'applied',
      source: 'import',
      pivot: input.pivot,
      acceptsPassNumerique: input.acceptsPassNumerique,
      importedAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .run();
}

export function insertImportedSite(tx: Tx, row: typeof placeSites.$inferInsert): void {
  tx.insert(placeSites).values(row).run();
}
