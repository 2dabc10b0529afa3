/**
 * Writes of the label's lifecycle: a public application creates (or claims) the place organisation,
 * an operator's decision moves its status. The reads are in places.repository.ts.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { places, type PlaceStatus } from '../../../db/schema/places.ts';
import type { PlaceRow } from './places.repository.ts';

/** Every place organisation with this SIRET, with its place row when it has one. */
export function placeOrganisationsWithSiret(db: DbOrTx, siret: string): { id: string; place: PlaceRow | null }[] {
  return db
    .select({ id: organisations.id, place: places })
    .from(organisations)
    .leftJoin(places, eq(places.organisationId, organisations.id))
    .where(and(eq(organisations.kind, 'place'), eq(organisations.siret, siret)))
    .all();
}

/** An imported place taken by its application: the organisation gets the applicant's name and first site, the place its contact. */
export function claimImportedPlace(
  tx: Tx,
  placeId: string,
  organisation: { name: string; communeCode: string; address: string },
  place: { legalRepresentative: string | null; contactEmail: string; appliedAt: string },
): void {
  tx.update(organisations).set({ name: organisation.name, communeCode: organisation.communeCode, address: organisation.address }).where(eq(organisations.id, placeId)).run();
  tx.update(places)
    .set({ legalRepresentative: place.legalRepresentative, contactEmail: place.contactEmail, appliedAt: place.appliedAt, updatedAt: place.appliedAt })
    .where(eq(places.organisationId, placeId))
    .run();
}

/** A new place organisation from a public application, in status `applied`. */
export function insertAppliedPlace(
  tx: Tx,
  input: { placeId: string; name: string; siret: string; communeCode: string; address: string; legalRepresentative: string | null; contactEmail: string; now: string },
): void {
  const { placeId, now } = input;
  tx.insert(organisations)
    .values({ id: placeId, kind: 'place', name: input.name, siret: input.siret, buyerType: null, communeCode: input.communeCode, address: input.address, status: 'active', createdAt: now })
    .run();
  tx.insert(places)
    .values({
      organisationId: placeId,
      status: 'applied',
      legalRepresentative: input.legalRepresentative,
      contactEmail: input.contactEmail,
      source: 'application',
      pivot: input.siret,
      appliedAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .run();
}

/**
 * An operator's decision as a conditional UPDATE: the place moves to `to` only from one of `from`.
 * False when it was in none of them (someone decided first).
 */
export function setPlaceStatus(
  tx: Tx,
  input: { placeId: string; from: readonly PlaceStatus[]; to: PlaceStatus; statusReason: string | null; now: string; decidedByUserId: string; firstLabelled: boolean },
): boolean {
  const { now } = input;
  const changed = tx
    .update(places)
    .set({
      status: input.to,
      statusReason: input.statusReason,
      decidedAt: now,
      decidedByUserId: input.decidedByUserId,
      updatedAt: now,
      ...(input.firstLabelled ? { labelledAt: now } : {}),
    })
    .where(and(eq(places.organisationId, input.placeId), inArray(places.status, [...input.from])))
    .run();
  return changed.changes === 1;
}
