import { and, asc, eq, notInArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { redemptions } from '../../db/schema/redemption.ts';

/**
 * Codes of active passes from handed-out demo booklets that the demo's own redemptions did not
 * touch, in printing order, at most `limit`: what a browser journey redeems on the demo set.
 */
export function untouchedDemoPassCodes(db: Db, limit: number): string[] {
  const used = db.select({ bookletId: passes.bookletId }).from(redemptions).innerJoin(passes, eq(passes.id, redemptions.passId)).all().map((r) => r.bookletId);
  return db
    .select({ code: passes.code })
    .from(passes)
    .innerJoin(booklets, eq(booklets.id, passes.bookletId))
    .where(and(eq(passes.status, 'active'), eq(booklets.status, 'distributed'), used.length ? notInArray(passes.bookletId, used) : undefined))
    .orderBy(asc(booklets.position), asc(passes.position))
    .limit(limit)
    .all()
    .map((p) => p.code);
}
