import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { placeBankAccounts } from '../../../db/schema/places.ts';

/**
 * "A place can be paid", written once (finance.md): it has validated bank details and no change of
 * them waiting for validation. As an SQL set, so that the batch builder applies it to a month of
 * redemptions in one statement; `bankAccountForNewPayout` asks the same set about one place.
 */
export const PAYABLE_PLACE_IDS = sql`(
  SELECT a.place_id FROM place_bank_accounts a
  WHERE a.status = 'validated'
    AND NOT EXISTS (SELECT 1 FROM place_bank_accounts p WHERE p.place_id = a.place_id AND p.status = 'pending')
)`;

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
      .where(and(eq(placeBankAccounts.placeId, placeId), eq(placeBankAccounts.status, 'validated'), sql`${placeBankAccounts.placeId} IN ${PAYABLE_PLACE_IDS}`))
      .get() ?? null
  );
}
