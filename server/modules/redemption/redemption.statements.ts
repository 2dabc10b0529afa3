import { cachedPerConnection } from '../../../db/client.ts';
import type { placeSites, PlaceStatus } from '../../../db/schema/places.ts';
import type { RedemptionView } from './redemption.schemas.ts';

export type SiteRow = Pick<typeof placeSites.$inferSelect, 'id' | 'name' | 'communeCode'> & { services: string };

/**
 * The redemption path runs at national peak load (100 000 a day, bursts of thousands a second):
 * its statements are prepared once per connection and reused, instead of being built and parsed
 * on every request. They run on the raw connection: inside the redemption's transaction, or on
 * their own for the read-only check.
 */
export const statements = cachedPerConnection((client) => ({
  // One better-sqlite3 transaction function, reused: `.immediate(work)` runs `work` between BEGIN IMMEDIATE
  // and COMMIT (ROLLBACK if it throws), without the query builder's per-transaction objects.
  transaction: client.transaction((work: () => RedemptionView) => work()),
  placeStatus: client.prepare<[string], { status: PlaceStatus }>('SELECT status FROM places WHERE organisation_id = ?'),
  activeSites: client.prepare<[string], SiteRow>(
    'SELECT id, name, commune_code AS communeCode, services FROM place_sites WHERE place_id = ? AND active = 1 ORDER BY created_at, name',
  ),
  liveRedemptionAt: client.prepare<[number], { at: string }>("SELECT redeemed_at AS at FROM redemptions WHERE pass_id = ? AND status = 'live'"),
  insertRedemption: client.prepare<[string, number, string, string, string, string | null, number, string, string, string, string]>(
    `INSERT INTO redemptions (id, pass_id, place_id, site_id, commune_code, service, amount_cents, redeemed_at, period, redeemed_by_user_id, status, journal_entry_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'live', ?)`,
  ),
}));
export type Statements = ReturnType<typeof statements>;

