/**
 * Read side of the journal, scoped to the caller.
 *
 * Scope: operator users see the whole journal. Any other organisation sees only the accounts whose
 * code starts with `<its kind>:<its id>:` (a buyer its `buyer:<orgId>:…` accounts, a place its
 * `place:<orgId>:…` one) and only the entries with at least one line on them. In those entries, lines
 * on another organisation's accounts (`buyer:…` or `place:…` of someone else) are left out, so a batch
 * entry shared by several places never shows a place what the others are paid; the shared accounts
 * (bank, passes, fees, VAT, programmes) stay visible. An entry seen this way may therefore not balance
 * on screen: it does in the journal.
 */
import { and, asc, eq, gt, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { passes } from '../../../db/schema/booklets.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { journalEntries, journalLines, ledgerAccounts, type NormalSide } from '../../../db/schema/ledger.ts';
import { invoices, orders, payments } from '../../../db/schema/orders.ts';
import { redemptions } from '../../../db/schema/redemption.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';
import { type SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, searchCondition } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { humanAccountNames } from './account-names.repository.ts';
import { seqCursorInvalid } from './ledger.errors.ts';
import type { LedgerEntryView } from './ledger.schemas.ts';
import { maskedPass, redemptionReference } from './ledger.references.ts';

export interface AccountBalance {
  code: string;
  name: string;
  normalSide: NormalSide;
  allowNegative: boolean;
  debitCents: number;
  creditCents: number;
  /** Debit minus credit, in cents, whatever the account's normal side. */
  balanceCents: number;
}

/** SQL for "code starts with prefix": LIKE would treat the underscores of `in_transit` as wildcards. */
export const codeStartsWith = (prefix: string) =>
  sql`substr(${ledgerAccounts.code}, 1, ${prefix.length}) = ${prefix}`;

/**
 * Every account (or those whose code starts with `prefix`) with its totals, ordered by code.
 * Read from the running totals; verifyBalances proves them equal to the lines.
 */
export function accountBalances(db: DbOrTx, options: { prefix?: string } = {}): AccountBalance[] {
  const rows = db
    .select({
      code: ledgerAccounts.code,
      name: ledgerAccounts.name,
      normalSide: ledgerAccounts.normalSide,
      allowNegative: ledgerAccounts.allowNegative,
      debitCents: ledgerAccounts.debitTotalCents,
      creditCents: ledgerAccounts.creditTotalCents,
    })
    .from(ledgerAccounts)
    .where(options.prefix ? codeStartsWith(options.prefix) : undefined)
    .orderBy(ledgerAccounts.code)
    .all();
  const names = humanAccountNames(db, rows);
  return rows.map((r) => ({ ...r, name: names.get(r.code) ?? r.name, balanceCents: r.debitCents - r.creditCents }));
}

/** Debit minus credit of one account, in cents; 0 for an account never used. */
export function balanceOf(db: DbOrTx, code: string): number {
  const account = db
    .select({ debit: ledgerAccounts.debitTotalCents, credit: ledgerAccounts.creditTotalCents })
    .from(ledgerAccounts)
    .where(eq(ledgerAccounts.code, code))
    .get();
  return account ? account.debit - account.credit : 0;
}

/** The debits and credits of every journal line, summed. */
export function journalLineTotals(db: DbOrTx): { debitCents: number; creditCents: number } {
  return db
    .select({
      debitCents: sql<number>`coalesce(sum(${journalLines.debitCents}), 0)`,
      creditCents: sql<number>`coalesce(sum(${journalLines.creditCents}), 0)`,
    })
    .from(journalLines)
    .get()!;
}

/** The entry ids of a business object, in journal order: for callers that reverse "the entry of redemption X". */
export function entriesOf(db: DbOrTx, refType: string, refId: string): { id: string; seq: number; kind: string; reversesEntryId: string | null }[] {
  return db
    .select({ id: journalEntries.id, seq: journalEntries.seq, kind: journalEntries.kind, reversesEntryId: journalEntries.reversesEntryId })
    .from(journalEntries)
    .where(and(eq(journalEntries.refType, refType), eq(journalEntries.refId, refId)))
    .orderBy(journalEntries.seq)
    .all();
}

export function journalEntryById(db: DbOrTx, entryId: string): typeof journalEntries.$inferSelect | undefined {
  return db.select().from(journalEntries).where(eq(journalEntries.id, entryId)).get();
}

/** The entry that reverses `entryId`, if there is one (at most one: a reversal is allowed once). */
export function reversalOfEntry(db: DbOrTx, entryId: string): { seq: number } | undefined {
  return db.select({ seq: journalEntries.seq }).from(journalEntries).where(eq(journalEntries.reversesEntryId, entryId)).get();
}

/** The account-code prefix the actor is limited to, or null for the operator (everything). */
export function ledgerScopeOf(actor: Actor): string | null {
  return isOperator(actor) ? null : `${actor.organisationKind}:${actor.organisationId}:`;
}

/** Accounts whose code starts with both the caller's scope and the requested prefix. */
export function listLedgerAccounts(db: DbOrTx, actor: Actor, filter: { prefix?: string } = {}): AccountBalance[] {
  const scope = ledgerScopeOf(actor);
  const wanted = filter.prefix;
  let prefix: string | undefined;
  if (scope === null) prefix = wanted;
  else if (wanted === undefined || scope.startsWith(wanted)) prefix = scope;
  else if (wanted.startsWith(scope)) prefix = wanted;
  else return [];
  return accountBalances(db, { prefix });
}

/** Seq cursors: the journal's own order, stable under inserts (new entries only ever come last). */
export function encodeSeqCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeSeqCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw seqCursorInvalid();
  return Number(match[1]);
}

export interface JournalFilter {
  account?: string;
  refType?: string;
  refId?: string;
  /** Label or document number. */
  q?: string;
  from?: string;
  to?: string;
}

/** Entries touching an account (exact code or any account below it in the colon path). */
function entriesTouching(db: DbOrTx, where: SQL) {
  return db
    .select({ id: journalLines.entryId })
    .from(journalLines)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, journalLines.accountId))
    .where(where);
}

/**
 * The account filter: a code and every account below it (`bank` covers `bank:in_transit`), or, when
 * it ends with a colon, every account starting with it (`place:` is every place's account; it once
 * looked for `place::…` and found nothing).
 */
function accountCondition(db: DbOrTx, account: string) {
  const touching = account.endsWith(':') ? codeStartsWith(account) : or(eq(ledgerAccounts.code, account), codeStartsWith(`${account}:`))!;
  return inArray(journalEntries.id, entriesTouching(db, touching));
}

/** A search: the entry's label, or the number of the document it is about (CMD-, FAC-, AV-, RB-, a bank reference, a batch's month). */
function searchEntries(q: string | undefined) {
  if (!q) return undefined;
  const refIn = (table: SQL, numberColumn: SQL) => sql`${journalEntries.refId} IN (SELECT id FROM ${table} WHERE ${searchCondition(q, [numberColumn])})`;
  return or(
    searchCondition(q, [journalEntries.label]),
    refIn(sql`${orders}`, sql`${orders.reference}`),
    refIn(sql`${invoices}`, sql`${invoices.number}`),
    refIn(sql`${creditNotes}`, sql`${creditNotes.number}`),
    refIn(sql`${payouts}`, sql`${payouts.reference}`),
    refIn(sql`${payments}`, sql`${payments.reference}`),
    refIn(sql`${reimbursementBatches}`, sql`${reimbursementBatches.period}`),
  );
}

function journalConditions(db: DbOrTx, actor: Actor, filter: JournalFilter & { afterSeq?: number }) {
  const scope = ledgerScopeOf(actor);
  return and(
    filter.afterSeq !== undefined ? gt(journalEntries.seq, filter.afterSeq) : undefined,
    filter.refType ? eq(journalEntries.refType, filter.refType) : undefined,
    filter.refId ? eq(journalEntries.refId, filter.refId) : undefined,
    filter.from ? gte(journalEntries.valueDate, filter.from) : undefined,
    filter.to ? lte(journalEntries.valueDate, filter.to) : undefined,
    filter.account ? accountCondition(db, filter.account) : undefined,
    searchEntries(filter.q),
    scope !== null ? inArray(journalEntries.id, entriesTouching(db, codeStartsWith(scope))) : undefined,
  );
}

/** The entries the filter matches among those the actor may see: what the page counts and the lists read. */
const matchingEntries = (db: DbOrTx, actor: Actor, filter: JournalFilter & { afterSeq?: number }) =>
  db.select().from(journalEntries).where(journalConditions(db, actor, filter)).$dynamic();

export function countJournalEntries(db: DbOrTx, actor: Actor, filter: JournalFilter): number {
  return countMatching(db, matchingEntries(db, actor, filter));
}

export const JOURNAL_SORTS = { numero: journalEntries.seq, date: journalEntries.valueDate } as const;
export type JournalSort = keyof typeof JOURNAL_SORTS;

/**
 * One page of entries with their lines. The API pages by seq cursor in journal order and reads
 * `limit + 1` entries so it knows if more follow; the page reads by offset, in the chosen order.
 */
export function listJournalEntries(
  db: DbOrTx,
  actor: Actor,
  filter: JournalFilter & { limit: number; afterSeq?: number; offset?: number; sort?: { key: JournalSort; dir: SortDirection } },
): LedgerEntryView[] {
  const scope = ledgerScopeOf(actor);
  const entries = matchingEntries(db, actor, filter)
    .orderBy(filter.sort ? orderByFor(JOURNAL_SORTS, filter.sort, journalEntries.seq) : asc(journalEntries.seq))
    .limit(filter.offset === undefined ? filter.limit + 1 : filter.limit)
    .offset(filter.offset ?? 0)
    .all();
  if (entries.length === 0) return [];

  const lines = db
    .select({
      entryId: journalLines.entryId,
      account: ledgerAccounts.code,
      accountName: ledgerAccounts.name,
      debitCents: journalLines.debitCents,
      creditCents: journalLines.creditCents,
    })
    .from(journalLines)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, journalLines.accountId))
    .where(
      inArray(
        journalLines.entryId,
        entries.map((e) => e.id),
      ),
    )
    .orderBy(asc(journalLines.id))
    .all();

  const accountNames = humanAccountNames(
    db,
    lines.map((l) => ({ code: l.account, name: l.accountName })),
  );
  const visible = (code: string) => scope === null || code.startsWith(scope) || !/^(buyer|place):/.test(code);
  const byEntry = new Map<string, LedgerEntryView['lines']>();
  for (const { entryId, ...line } of lines) {
    if (!visible(line.account)) continue;
    const list = byEntry.get(entryId) ?? [];
    list.push({ ...line, accountName: accountNames.get(line.account) ?? line.accountName });
    byEntry.set(entryId, list);
  }
  // Documents by their numbers, not their ids: what finance reads and searches for.
  const numbers = documentReferences(db, entries);
  return entries.map((e) => ({
    id: e.id,
    seq: e.seq,
    kind: e.kind,
    refType: e.refType,
    refId: e.refId,
    refNumber: numbers.get(`${e.refType}:${e.refId}`) ?? null,
    label: e.label,
    valueDate: e.valueDate,
    postedAt: e.postedAt,
    reversesEntryId: e.reversesEntryId,
    hash: e.hash,
    lines: byEntry.get(e.id) ?? [],
  }));
}

/** A page in the `{items, nextCursor}` shape of every list. */
export function toSeqPage(rows: LedgerEntryView[], limit: number): { items: LedgerEntryView[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeSeqCursor(last.seq) : null };
}

// ——— The documents an entry is about, by their numbers ———

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
