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
import { and, asc, count, eq, gt, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { invoices, orders, payments } from '../../../db/schema/orders.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';
import { orderByFor, searchCondition, type SortDirection } from '../../shared/list-query.ts';
import type { DbOrTx } from '../../../db/client.ts';
import { journalEntries, journalLines, ledgerAccounts } from '../../../db/schema/ledger.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
import { badRequest } from '../../shared/problem.ts';
import { accountBalances, codeStartsWith, type AccountBalance } from './ledger.ts';
import type { LedgerEntryView } from './ledger.schemas.ts';
import { documentReferences } from './ledger.references.ts';

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
  if (!match) throw badRequest('invalid_cursor', 'Le curseur de pagination est invalide : reprenez la liste depuis le début.');
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

export function countJournalEntries(db: DbOrTx, actor: Actor, filter: JournalFilter): number {
  return db.select({ n: count() }).from(journalEntries).where(journalConditions(db, actor, filter)).get()?.n ?? 0;
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
  const entries = db
    .select()
    .from(journalEntries)
    .where(journalConditions(db, actor, filter))
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

  const visible = (code: string) => scope === null || code.startsWith(scope) || !/^(buyer|place):/.test(code);
  const byEntry = new Map<string, LedgerEntryView['lines']>();
  for (const { entryId, ...line } of lines) {
    if (!visible(line.account)) continue;
    const list = byEntry.get(entryId) ?? [];
    list.push(line);
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
