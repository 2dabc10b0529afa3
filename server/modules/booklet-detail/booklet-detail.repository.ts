import { asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations, users } from '../../../db/schema/accounts.ts';
import { passes } from '../../../db/schema/booklets.ts';
import { distributions } from '../../../db/schema/distribution.ts';
import { placeSites } from '../../../db/schema/places.ts';
import { redemptions } from '../../../db/schema/redemption.ts';
import type { Actor } from '../identity/actor.ts';
import { findVisibleBookletAmong, orderOfBooklet } from '../booklets/booklets.repository.ts';

/*
 * Read side of the booklet page: one booklet with its order, its passes and what happened to them.
 * Only `findVisibleBooklet` (through the booklets repository's scope) decides what the actor may
 * see; the other queries take a booklet it returned, so no other organisation's booklet is read.
 */

/** The booklet the actor may see among `serials`, with its order and buyer's name. */
export function findVisibleBooklet(db: DbOrTx, actor: Actor, serials: readonly string[], orderId?: string) {
  const booklet = findVisibleBookletAmong(db, actor, serials, orderId);
  if (!booklet) return undefined;
  const order = orderOfBooklet(db, booklet);
  return { booklet, order, buyerName: organisationName(db, booklet.buyerId) ?? '' };
}

export function organisationName(db: DbOrTx, organisationId: string): string | undefined {
  return db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, organisationId)).get()?.name;
}

export function passesOf(db: DbOrTx, bookletId: string) {
  return db
    .select({ id: passes.id, position: passes.position, code: passes.code, status: passes.status, faceValueCents: passes.faceValueCents, activatedAt: passes.activatedAt })
    .from(passes)
    .where(eq(passes.bookletId, bookletId))
    .orderBy(asc(passes.position))
    .all();
}

/** Every redemption of the passes, cancelled ones included (they stay, with their reversal), oldest first. */
export function redemptionsOf(db: DbOrTx, passIds: readonly number[]) {
  if (passIds.length === 0) return [];
  return db
    .select({
      passId: redemptions.passId,
      status: redemptions.status,
      amountCents: redemptions.amountCents,
      redeemedAt: redemptions.redeemedAt,
      cancelledAt: redemptions.cancelledAt,
      placeName: organisations.name,
      siteName: placeSites.name,
    })
    .from(redemptions)
    .innerJoin(organisations, eq(organisations.id, redemptions.placeId))
    .innerJoin(placeSites, eq(placeSites.id, redemptions.siteId))
    .where(inArray(redemptions.passId, [...passIds]))
    .orderBy(asc(redemptions.redeemedAt))
    .all();
}

/** The hand-out of the booklet, if any: the beneficiary's public and commune, never who they are. */
export function distributionOf(db: DbOrTx, bookletId: string) {
  return db
    .select({
      publicCategory: distributions.publicCategory,
      communeCode: distributions.communeCode,
      distributedAt: distributions.distributedAt,
      prescriberName: organisations.name,
      recordedBy: users.name,
    })
    .from(distributions)
    .innerJoin(organisations, eq(organisations.id, distributions.prescriberId))
    .leftJoin(users, eq(users.id, distributions.recordedByUserId))
    .where(eq(distributions.bookletId, bookletId))
    .get();
}

export function approverName(db: DbOrTx, userId: string | null): string | undefined {
  if (!userId) return undefined;
  return db.select({ name: users.name }).from(users).where(eq(users.id, userId)).get()?.name;
}
