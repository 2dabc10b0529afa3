import type { Test } from 'tap';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { passes } from '../../db/schema/booklets.ts';
import { buildTestApp, loginAs, type Session } from './app.ts';
import { bookletsOf, createApprovedOrder, createPlace, seedReference, seedWorld } from './fixtures.ts';

export const post = (s: Session, url: string, payload: Record<string, unknown> = {}) => s.inject({ method: 'POST', url, payload });

/** Hands out one booklet for a job seeker of Colomiers (31). */
export const handOut = (prescriber: Session, serial: string) => post(prescriber, '/api/v1/distributions', { bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: '31149' });

/**
 * The usual start of the oversight tests: a funded order, the world's prescriber designated and
 * given `allot` booklets, the first `handOut` of them handed out in Colomiers.
 */
export async function handedOutOrder(t: Test, input: { allot: number; handOut: number; validFrom?: string; validUntil?: string }) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const validity = input.validFrom && input.validUntil ? { validFrom: input.validFrom, validUntil: input.validUntil } : {};
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, ...validity });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id });
  const serials: string[] = (await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: input.allot })).json().serials;
  const prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  for (const serial of serials.slice(0, input.handOut)) t.equal((await handOut(prescriber, serial)).statusCode, 201, `booklet ${serial} handed out`);
  return { ...ctx, world, order, buyer, prescriber, serials };
}

/** The pass codes of the given booklets of an order, booklet after booklet. */
export async function passCodesOf(db: Db, orderId: string, serials: readonly string[]): Promise<string[]> {
  return (await bookletsOf(db, orderId)).filter((b) => serials.includes(b.serial)).flatMap((b) => db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, b.id)).all().map((p) => p.code));
}

/** Two labelled places in two départements: Muret (31) and Bordeaux (33). */
export async function muretAndBordeaux(db: Db) {
  return {
    muret: await createPlace(db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] }),
    bordeaux: await createPlace(db, { name: 'Médiathèque de Bordeaux', sites: [{ communeCode: '33063' }] }),
  };
}
