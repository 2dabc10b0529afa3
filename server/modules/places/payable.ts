import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { placeBankAccounts } from '../../../db/schema/places.ts';

/**
 * "A place can be paid", written once (finance.md): it has validated bank details and no change of
 * them waiting for validation. The condition on a bank account row named `account`, used in three
 * forms below: the set (PAYABLE_PLACE_IDS), the walk in id order (nextPayablePlace) and one place
 * (bankAccountForNewPayout).
 */
const payableAccount = (account: string) =>
  sql.raw(`${account}.status = 'validated'
    AND NOT EXISTS (SELECT 1 FROM place_bank_accounts p WHERE p.place_id = ${account}.place_id AND p.status = 'pending')`);

/** As an SQL set, so that the batch builder applies the rule to a month of redemptions in one statement. */
export const PAYABLE_PLACE_IDS = sql`(SELECT a.place_id FROM place_bank_accounts a WHERE ${payableAccount('a')})`;

/**
 * The first place after `after` (in id order) that can be paid: the batch job walks places this way.
 * One probe of the validated-accounts index per call, where `id IN PAYABLE_PLACE_IDS` would
 * rebuild the whole set each time.
 */
export function nextPayablePlace(db: DbOrTx, after: string): string | undefined {
  return db.get<{ id: string } | undefined>(sql`SELECT a.place_id AS id FROM place_bank_accounts a
    WHERE a.place_id > ${after} AND ${payableAccount('a')} ORDER BY a.place_id LIMIT 1`)?.id;
}

export type BankAccountRow = typeof placeBankAccounts.$inferSelect;

/**
 * The bank account a new reimbursement batch may pay, or null when the place must wait: no
 * validated details, or a change not yet re-validated. Payouts already due keep the account id they
 * were created with, so a later change never redirects them.
 */
export function bankAccountForNewPayout(db: DbOrTx, placeId: string): BankAccountRow | null {
  return (
    db
      .select()
      .from(placeBankAccounts)
      .where(and(eq(placeBankAccounts.placeId, placeId), sql`${payableAccount('place_bank_accounts')}`))
      .get() ?? null
  );
}
