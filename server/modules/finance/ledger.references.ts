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

/**
 * Where the FEC's PieceRef (the auditor's piece number) differs from what the journal page shows:
 * an approved order's piece is its invoice (the call for funds rides on the State's line, see
 * orderInvoiceNumbers); a redemption's piece is its own full reference, not a masked pass that
 * several redemptions of one pass share; a batch paid in one debit is the SEPA file's message id.
 */
const FEC_LOOKUPS: Record<string, Lookup> = {
  ...LOOKUPS,
  order: (db, ids) => [...orderInvoiceNumbers(db, ids)].map(([id, n]) => [id, n.buyer ?? n.state ?? id]),
  redemption: (_db, ids) => ids.map((id) => [id, redemptionReference(id)]),
  reimbursement_batch: (db, ids) =>
    db
      .select({ id: reimbursementBatches.id, period: reimbursementBatches.period, messageId: reimbursementBatches.messageId })
      .from(reimbursementBatches)
      .where(inArray(reimbursementBatches.id, ids))
      .all()
      .map((r) => [r.id, r.messageId ?? `lot ${r.period}`]),
};
FEC_LOOKUPS.batch = FEC_LOOKUPS.reimbursement_batch!;

/** A redemption's reference: its whole id (time-ordered, so ids minted within one minute share their first digits). */
export const redemptionReference = (redemptionId: string) => `ENC-${redemptionId}`;

/** The invoice numbers of each order: the buyer's invoice and the State's call for funds, when issued. */
export function orderInvoiceNumbers(db: DbOrTx, orderIds: string[]): Map<string, { buyer?: string; state?: string }> {
  const found = new Map<string, { buyer?: string; state?: string }>();
  for (let i = 0; i < orderIds.length; i += 500) {
    const rows = db
      .select({ orderId: invoices.orderId, party: invoices.party, number: invoices.number })
      .from(invoices)
      .where(inArray(invoices.orderId, orderIds.slice(i, i + 500)))
      .all();
    for (const row of rows) found.set(row.orderId, { ...found.get(row.orderId), [row.party]: row.number });
  }
  return found;
}

/**
 * For each (refType, refId) of the entries, its document number; the id itself when the kind has
 * none. `purpose: 'fec'` gives the FEC's piece numbers (FEC_LOOKUPS), the default the journal page's.
 */
export function documentReferences(db: DbOrTx, entries: readonly { refType: string; refId: string }[], purpose: 'journal' | 'fec' = 'journal'): Map<string, string> {
  const lookups = purpose === 'fec' ? FEC_LOOKUPS : LOOKUPS;
  const byType = new Map<string, Set<string>>();
  for (const { refType, refId } of entries) {
    if (!byType.has(refType)) byType.set(refType, new Set());
    byType.get(refType)!.add(refId);
  }
  const found = new Map<string, string>();
  for (const [refType, ids] of byType) {
    const lookup = lookups[refType];
    if (!lookup) continue;
    const list = [...ids];
    for (let i = 0; i < list.length; i += 500) for (const [id, ref] of lookup(db, list.slice(i, i + 500))) found.set(`${refType}:${id}`, ref);
  }
  return found;
}
