import { eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { passes } from '../../../db/schema/booklets.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { invoices, orders, payments } from '../../../db/schema/orders.ts';
import { redemptions } from '../../../db/schema/redemption.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';
import { formatPassCode } from '../booklets/pass-code.ts';

/** A pass code as finance may read it: its last group only (the code is what redeems it). */
const maskedPass = (code: string) => `pass …${formatPassCode(code).slice(-4)}`;

type Lookup = (db: DbOrTx, ids: string[]) => [string, string][];

/**
 * The human reference of each kind of document a journal entry is about: CMD-, FAC-, AV-, RB-
 * numbers, the batch's month, the payment's bank reference, a masked pass. One query per kind for
 * a page of entries, never one per entry.
 */
const LOOKUPS: Record<string, Lookup> = {
  order: (db, ids) => db.select({ id: orders.id, ref: orders.reference }).from(orders).where(inArray(orders.id, ids)).all().map((r) => [r.id, r.ref]),
  invoice: (db, ids) => db.select({ id: invoices.id, ref: invoices.number }).from(invoices).where(inArray(invoices.id, ids)).all().map((r) => [r.id, r.ref]),
  credit_note: (db, ids) => db.select({ id: creditNotes.id, ref: creditNotes.number }).from(creditNotes).where(inArray(creditNotes.id, ids)).all().map((r) => [r.id, r.ref]),
  payout: (db, ids) => db.select({ id: payouts.id, ref: payouts.reference }).from(payouts).where(inArray(payouts.id, ids)).all().map((r) => [r.id, r.ref]),
  reimbursement_batch: (db, ids) =>
    db.select({ id: reimbursementBatches.id, period: reimbursementBatches.period }).from(reimbursementBatches).where(inArray(reimbursementBatches.id, ids)).all().map((r) => [r.id, `lot ${r.period}`]),
  payment: (db, ids) =>
    db
      .select({ id: payments.id, reference: payments.reference, invoice: invoices.number })
      .from(payments)
      .innerJoin(invoices, eq(invoices.id, payments.invoiceId))
      .where(inArray(payments.id, ids))
      .all()
      .map((r) => [r.id, `${r.invoice} (${r.reference})`]),
  redemption: (db, ids) =>
    db
      .select({ id: redemptions.id, code: passes.code })
      .from(redemptions)
      .innerJoin(passes, eq(passes.id, redemptions.passId))
      .where(inArray(redemptions.id, ids))
      .all()
      .map((r) => [r.id, maskedPass(r.code)]),
};
LOOKUPS.batch = LOOKUPS.reimbursement_batch!;

/** For each (refType, refId) of the entries, its document number; the id itself when the kind has none. */
export function documentReferences(db: DbOrTx, entries: readonly { refType: string; refId: string }[]): Map<string, string> {
  const byType = new Map<string, Set<string>>();
  for (const { refType, refId } of entries) {
    if (!byType.has(refType)) byType.set(refType, new Set());
    byType.get(refType)!.add(refId);
  }
  const found = new Map<string, string>();
  for (const [refType, ids] of byType) {
    const lookup = LOOKUPS[refType];
    if (!lookup) continue;
    const list = [...ids];
    for (let i = 0; i < list.length; i += 500) for (const [id, ref] of lookup(db, list.slice(i, i + 500))) found.set(`${refType}:${id}`, ref);
  }
  return found;
}
