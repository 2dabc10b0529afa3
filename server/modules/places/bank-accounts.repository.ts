/**
 * Writes and rules on the place_bank_accounts table: details submitted by a place wait as `pending`,
 * finance puts them in force (`validated`, the previous ones kept as `replaced`) or rejects them.
 * The reads of a place's current details are in places.repository.ts (bankAccountsOf).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { placeBankAccounts } from '../../../db/schema/places.ts';
import { newId } from '../../shared/secrets.ts';
import type { BankAccountRow } from './places.repository.ts';

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

/** New details, waiting for finance. */
export function insertPendingBankAccount(
  tx: Tx,
  row: Pick<typeof placeBankAccounts.$inferInsert, 'placeId' | 'holder' | 'iban' | 'bic' | 'submittedAt' | 'submittedByUserId'>,
): void {
  tx.insert(placeBankAccounts)
    .values({ id: newId(), ...row, status: 'pending' })
    .run();
}

/** A pending change withdrawn or superseded by a newer one: kept as `replaced`. */
export function replacePendingBankAccount(tx: Tx, bankAccountId: string, now: string): void {
  tx.update(placeBankAccounts)
    .set({ status: 'replaced', replacedAt: now })
    .where(and(eq(placeBankAccounts.id, bankAccountId), eq(placeBankAccounts.status, 'pending')))
    .run();
}

/**
 * Finance puts a place's pending details in force: the validated ones are kept as `replaced`, then
 * the pending row becomes `validated` if it still is pending. False when it no longer was.
 */
export function putPendingBankAccountInForce(tx: Tx, input: { placeId: string; bankAccountId: string; now: string; decidedByUserId: BankAccountRow['decidedByUserId'] }): boolean {
  tx.update(placeBankAccounts)
    .set({ status: 'replaced', replacedAt: input.now })
    .where(and(eq(placeBankAccounts.placeId, input.placeId), eq(placeBankAccounts.status, 'validated')))
    .run();
  const changed = tx
    .update(placeBankAccounts)
    .set({ status: 'validated', decidedAt: input.now, decidedByUserId: input.decidedByUserId })
    .where(and(eq(placeBankAccounts.id, input.bankAccountId), eq(placeBankAccounts.status, 'pending')))
    .run();
  return changed.changes === 1;
}

/** Finance rejects pending details, with its reason. False when they no longer were pending. */
export function rejectPendingBankAccount(tx: Tx, input: { bankAccountId: string; now: string; decidedByUserId: BankAccountRow['decidedByUserId']; reason: string }): boolean {
  return (
    tx
      .update(placeBankAccounts)
      .set({ status: 'rejected', decidedAt: input.now, decidedByUserId: input.decidedByUserId, decisionReason: input.reason })
      .where(and(eq(placeBankAccounts.id, input.bankAccountId), eq(placeBankAccounts.status, 'pending')))
      .run().changes === 1
  );
}
