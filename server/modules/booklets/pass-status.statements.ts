import { cachedPerConnection, type DbOrTx } from '../../../db/client.ts';
import type { BookletStatus } from '../../../db/schema/booklets.ts';

/**
 * The pass and booklet transitions of the redemption's hot path, owned by the booklets module like
 * every other status write (booklet-status.repository.ts), prepared once per connection because the
 * redemption runs at national peak load. They run in the caller's transaction.
 */
const statements = cachedPerConnection((client) => ({
  markRedeemed: client.prepare<[number]>("UPDATE passes SET status = 'redeemed' WHERE id = ? AND status = 'active'"),
  bookletUse: client.prepare<[string], { status: BookletStatus; passCount: number; used: number }>(
    `SELECT b.status, b.pass_count AS passCount,
            (SELECT count(*) FROM passes p WHERE p.booklet_id = b.id AND p.status IN ('redeemed', 'reimbursed')) AS used
       FROM booklets b WHERE b.id = ?`,
  ),
  setBookletStatus: client.prepare<[BookletStatus, string, BookletStatus]>('UPDATE booklets SET status = ? WHERE id = ? AND status = ?'),
}));

/** An active pass redeemed; false when it was not active any more (another redemption won). */
export function redeemActivePass(db: DbOrTx, passId: number): boolean {
  return statements(db).markRedeemed.run(passId).changes === 1;
}

const FOLLOWS_ITS_PASSES: readonly BookletStatus[] = ['distributed', 'started', 'used_up'];

/**
 * A handed-out booklet's status follows its passes: `started` once one is used, `used_up` when all
 * are, `distributed` again if its only use is cancelled. The row is only written when its status
 * changes (twice in a booklet's life, not at every redemption): an unchanged row rewritten is still
 * one more page for the commit to write.
 */
export function refreshBookletStatus(db: DbOrTx, bookletId: string): void {
  const st = statements(db);
  const booklet = st.bookletUse.get(bookletId);
  if (!booklet || !FOLLOWS_ITS_PASSES.includes(booklet.status)) return;
  const next: BookletStatus = booklet.used === 0 ? 'distributed' : booklet.used >= booklet.passCount ? 'used_up' : 'started';
  if (next !== booklet.status) st.setBookletStatus.run(next, bookletId, booklet.status);
}
