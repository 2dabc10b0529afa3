/**
 * The double-entry journal: the one place where money moves. Every posting goes through postEntry,
 * inside the caller's transaction, so that the business change (a redemption, a payment…) and its
 * entry commit or roll back together. Entries are never updated or deleted (triggers refuse it);
 * each one carries sha256(previous hash ‖ canonical entry), so an edit made behind the triggers' back
 * shows up in verifyChain.
 */
import { and, eq, sql } from 'drizzle-orm';
import { cachedPerConnection, type Db, type DbOrTx, type Tx } from '../../../db/client.ts';
import { journalEntries, journalLines, ledgerAccounts, type NormalSide } from '../../../db/schema/ledger.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { conflict, notFound, unprocessable } from '../../shared/problem.ts';
import { newId, newOrderedId, sha256Hex } from '../../shared/secrets.ts';

// --- Chart of accounts ------------------------------------------------------------------------

const ID = '([A-Za-z0-9][A-Za-z0-9_-]{0,63})';

export interface AccountType {
  /** The code pattern, `<id>` standing for an organisation or programme id. */
  pattern: string;
  normalSide: NormalSide;
  allowNegative: boolean;
  /** Default name given on first use (callers may pass a better one, e.g. with the organisation's name). */
  name: (id: string) => string;
}

/**
 * Every account the journal accepts. An unknown code is refused rather than created, so that a typo
 * in a caller cannot open a parallel account that no report looks at.
 * `bank` may go negative because the operator's own funds are not in this journal: it pays places
 * before every buyer has paid. Everything else is refused below zero in its normal-side sense.
 */
export const ACCOUNT_TYPES: readonly AccountType[] = [
  { pattern: 'bank', normalSide: 'debit', allowNegative: true, name: () => 'Banque' },
  { pattern: 'bank:in_transit', normalSide: 'credit', allowNegative: false, name: () => 'Virements émis en attente de débit' },
  { pattern: 'buyer:<id>:receivable', normalSide: 'debit', allowNegative: false, name: (id) => `Créance commanditaire ${id}` },
  { pattern: 'program:<id>:receivable', normalSide: 'debit', allowNegative: false, name: (id) => `Créance État — programme ${id}` },
  { pattern: 'passes:outstanding', normalSide: 'credit', allowNegative: false, name: () => 'Pass en circulation' },
  { pattern: 'place:<id>:payable', normalSide: 'credit', allowNegative: false, name: (id) => `Dette envers le lieu ${id}` },
  { pattern: 'buyer:<id>:credit_note', normalSide: 'credit', allowNegative: false, name: (id) => `Avoir commanditaire ${id}` },
  { pattern: 'program:<id>:credit_note', normalSide: 'credit', allowNegative: false, name: (id) => `Avoir État — programme ${id}` },
  { pattern: 'fees:revenue', normalSide: 'credit', allowNegative: false, name: () => 'Frais de gestion' },
  { pattern: 'vat:collected', normalSide: 'credit', allowNegative: false, name: () => 'TVA collectée' },
];

const ACCOUNT_MATCHERS = ACCOUNT_TYPES.map((type) => ({
  type,
  regex: new RegExp(`^${type.pattern.replace('<id>', ID)}$`),
}));

/** The account type of a code, with the id it names; undefined for a code outside the chart. */
export function accountTypeOf(code: string): { type: AccountType; id: string } | undefined {
  for (const { type, regex } of ACCOUNT_MATCHERS) {
    const match = regex.exec(code);
    if (match) return { type, id: match[1] ?? '' };
  }
  return undefined;
}

// --- Canonical form and hash ------------------------------------------------------------------

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level: the same entry always serialises to the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (canonicalJson(value[i]) ?? '');
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // Keys in code-unit order (Array.prototype.sort's default), undefined values left out.
    let out = '{';
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item === undefined) continue;
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

export interface CanonicalLine {
  account: string;
  debitCents: number;
  creditCents: number;
}

/** Lines in a fixed order (account code, then amounts): the order callers listed them in does not change the hash. */
export function sortLines<T extends CanonicalLine>(lines: readonly T[]): T[] {
  return [...lines].sort(
    (a, b) =>
      (a.account < b.account ? -1 : a.account > b.account ? 1 : 0) || a.debitCents - b.debitCents || a.creditCents - b.creditCents,
  );
}

export interface HashedEntry {
  id: string;
  seq: number;
  kind: string;
  refType: string;
  refId: string;
  label: string;
  valueDate: string;
  postedAt: string;
  idempotencyKey: string;
  reversesEntryId: string | null;
  lines: CanonicalLine[];
}

export function entryHash(prevHash: string, entry: HashedEntry): string {
  const lines = sortLines(entry.lines).map(({ account, debitCents, creditCents }) => ({ account, debitCents, creditCents }));
  return sha256Hex(prevHash + canonicalJson({ ...entry, lines }));
}

// --- Posting ------------------------------------------------------------------------------------

export interface LedgerLineInput {
  /** Account code, e.g. `buyer:<orgId>:receivable`. */
  account: string;
  debitCents?: number;
  creditCents?: number;
  /** Name given to the account if this entry creates it; ignored otherwise. */
  name?: string;
}

export interface PostEntryInput {
  kind: string;
  refType: string;
  refId: string;
  label: string;
  /** Europe/Paris date YYYY-MM-DD; defaults to today in Paris. */
  valueDate?: string;
  /** Unique over the whole journal: prefix it with the event, e.g. `redemption:<id>`. */
  idempotencyKey: string;
  lines: LedgerLineInput[];
  reversesEntryId?: string;
}

export interface PostedEntry {
  entryId: string;
  seq: number;
  /** True when the idempotency key had already been posted with the same lines: nothing was written. */
  alreadyPosted: boolean;
}

const SNAKE = /^[a-z][a-z0-9_]{0,49}$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** The last date found valid: entries of a day share their value date (one check a day, not one an entry). */
let lastValidDate = '';
/** YYYY-MM-DD naming a day that exists (no 31 April, no 29 February outside leap years). */
function isCalendarDate(value: string): boolean {
  if (value === lastValidDate) return true;
  if (typeof value !== 'string' || !DATE.test(value) || addDays(value, 0) !== value) return false;
  lastValidDate = value;
  return true;
}

// Callers are our own code, not users: these messages describe the refused value without internals,
// and the stable codes are what tests and logs rely on.
const refuse = (code: string, detail: string) => unprocessable(code, `Écriture comptable refusée : ${detail}`);

function checkedText(value: string, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw refuse('ledger_invalid_field', `le champ ${field} est vide ou dépasse ${max} caractères.`);
  }
  return value;
}

function checkedAmount(value: number | undefined, line: number): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw refuse('ledger_invalid_amount', `ligne ${line} : montant ${String(value)} invalide (centimes entiers positifs attendus).`);
  }
  return value;
}

function normaliseLines(lines: readonly LedgerLineInput[]): (CanonicalLine & { name?: string })[] {
  if (!Array.isArray(lines) || lines.length < 2) {
    throw refuse('ledger_too_few_lines', 'une écriture compte au moins deux lignes.');
  }
  return lines.map((line, i) => {
    const debitCents = checkedAmount(line.debitCents, i + 1);
    const creditCents = checkedAmount(line.creditCents, i + 1);
    if ((debitCents > 0) === (creditCents > 0)) {
      throw refuse('ledger_line_one_side', `ligne ${i + 1} : un montant au débit ou au crédit, pas les deux ni aucun.`);
    }
    if (typeof line.account !== 'string' || !accountTypeOf(line.account)) {
      throw refuse('ledger_unknown_account', `ligne ${i + 1} : compte « ${String(line.account).slice(0, 100)} » hors du plan de comptes.`);
    }
    return { account: line.account, debitCents, creditCents, ...(line.name ? { name: line.name } : {}) };
  });
}

const sameLines = (a: readonly CanonicalLine[], b: readonly CanonicalLine[]) =>
  canonicalJson(sortLines(a).map(({ account, debitCents, creditCents }) => ({ account, debitCents, creditCents }))) ===
  canonicalJson(sortLines(b).map(({ account, debitCents, creditCents }) => ({ account, debitCents, creditCents })));

const swapSides = (lines: readonly CanonicalLine[]): CanonicalLine[] =>
  lines.map((l) => ({ account: l.account, debitCents: l.creditCents, creditCents: l.debitCents }));

function linesOfEntry(db: DbOrTx, entryId: string): CanonicalLine[] {
  return db
    .select({ account: ledgerAccounts.code, debitCents: journalLines.debitCents, creditCents: journalLines.creditCents })
    .from(journalLines)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, journalLines.accountId))
    .where(eq(journalLines.entryId, entryId))
    .orderBy(journalLines.id)
    .all();
}

interface AccountState {
  id: string;
  normalSide: NormalSide;
  allowNegative: boolean;
  debitTotalCents: number;
  creditTotalCents: number;
  /** Set when this entry opens the account: written with the entry, after every check passed. */
  create?: { code: string; name: string };
}

/**
 * postEntry runs on every redemption (national peak: thousands a second): its statements are
 * prepared once per connection and run on the caller's transaction's connection, instead of being
 * built by the query builder and parsed by SQLite on every call. The rarer paths (reversal checks,
 * reports) keep the query builder.
 */
const ledgerStatements = cachedPerConnection((client) => ({
  client,
  entryByKey: client.prepare<[string], { id: string; seq: number; kind: string; refType: string; refId: string; reversesEntryId: string | null }>(
    `SELECT id, seq, kind, ref_type AS refType, ref_id AS refId, reverses_entry_id AS reversesEntryId
       FROM journal_entries WHERE idempotency_key = ?`,
  ),
  linesOfEntry: client.prepare<[string], CanonicalLine>(
    `SELECT a.code AS account, l.debit_cents AS debitCents, l.credit_cents AS creditCents
       FROM journal_lines l JOIN ledger_accounts a ON a.id = l.account_id
      WHERE l.entry_id = ? ORDER BY l.id`,
  ),
  accountByCode: client.prepare<
    [string],
    { id: string; normalSide: NormalSide; allowNegative: 0 | 1; debitTotalCents: number; creditTotalCents: number }
  >(
    `SELECT id, normal_side AS normalSide, allow_negative AS allowNegative,
            debit_total_cents AS debitTotalCents, credit_total_cents AS creditTotalCents
       FROM ledger_accounts WHERE code = ?`,
  ),
  insertAccount: client.prepare<[string, string, string, NormalSide, 0 | 1, string]>(
    'INSERT INTO ledger_accounts (id, code, name, normal_side, allow_negative, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ),
  // The head of the hash chain: the unique index on seq answers it without a scan.
  lastEntry: client.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM journal_entries ORDER BY seq DESC LIMIT 1'),
  insertEntry: client.prepare<[string, number, string, string, string, string, string, string, string, string | null, string, string]>(
    `INSERT INTO journal_entries (id, seq, kind, ref_type, ref_id, label, value_date, posted_at, idempotency_key, reverses_entry_id, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  insertLine: client.prepare<[string, string, number, number]>(
    'INSERT INTO journal_lines (entry_id, account_id, debit_cents, credit_cents) VALUES (?, ?, ?, ?)',
  ),
  addToTotals: client.prepare<[number, number, string]>(
    'UPDATE ledger_accounts SET debit_total_cents = debit_total_cents + ?, credit_total_cents = credit_total_cents + ? WHERE id = ?',
  ),
}));

/**
 * Posts one balanced entry inside the caller's transaction (open it with `behavior: 'immediate'`:
 * the next seq and the previous hash are read here, then written). Throws a DomainError and writes
 * nothing when the entry is refused; the caller's transaction then rolls back with it.
 * The same idempotency key again returns the first entry when its kind, reference and lines are
 * the same, and refuses otherwise (409 idempotency_key_reused).
 * `tx` is a drizzle transaction, or the database while a transaction is open on its connection
 * (the redemption path opens a raw better-sqlite3 one); outside a transaction it refuses to run.
 */
export function postEntry(tx: DbOrTx, clock: Clock, input: PostEntryInput): PostedEntry {
  const kind = checkedText(input.kind, 'kind', 50);
  if (!SNAKE.test(kind)) throw refuse('ledger_invalid_field', `nature « ${kind.slice(0, 50)} » invalide (snake_case attendu).`);
  const refType = checkedText(input.refType, 'refType', 50);
  const refId = checkedText(input.refId, 'refId', 100);
  const label = checkedText(input.label, 'label', 200);
  const idempotencyKey = checkedText(input.idempotencyKey, 'idempotencyKey', 200);
  const now = clock.now();
  const valueDate = input.valueDate ?? parisDate(now);
  if (!isCalendarDate(valueDate)) throw refuse('ledger_invalid_value_date', `date de valeur « ${String(valueDate).slice(0, 20)} » invalide (AAAA-MM-JJ attendu).`);
  const reversesEntryId = input.reversesEntryId ?? null;
  const lines = normaliseLines(input.lines);

  const debits = lines.reduce((s, l) => s + l.debitCents, 0);
  const credits = lines.reduce((s, l) => s + l.creditCents, 0);
  if (debits !== credits) {
    throw refuse('ledger_unbalanced', `débits (${debits} centimes) et crédits (${credits} centimes) diffèrent.`);
  }

  const st = ledgerStatements(tx);
  if (!st.client.inTransaction) throw new Error('postEntry runs inside the caller’s transaction');
  const existing = st.entryByKey.get(idempotencyKey);
  if (existing) {
    const same =
      existing.kind === kind &&
      existing.refType === refType &&
      existing.refId === refId &&
      existing.reversesEntryId === reversesEntryId &&
      sameLines(st.linesOfEntry.all(existing.id), lines);
    if (!same) {
      throw conflict('idempotency_key_reused', 'Cette clé d’idempotence a déjà servi pour une autre écriture.', { entryId: existing.id });
    }
    return { entryId: existing.id, seq: existing.seq, alreadyPosted: true };
  }

  if (reversesEntryId !== null) {
    const original = tx.select().from(journalEntries).where(eq(journalEntries.id, reversesEntryId)).get();
    if (!original) throw notFound('ledger_entry_not_found', 'Écriture à contrepasser introuvable.');
    if (original.reversesEntryId !== null) {
      throw refuse('ledger_reversal_of_reversal', `l’écriture n° ${original.seq} est déjà une contrepassation : passez une nouvelle écriture.`);
    }
    const reversal = tx.select({ seq: journalEntries.seq }).from(journalEntries).where(eq(journalEntries.reversesEntryId, original.id)).get();
    if (reversal) {
      throw conflict('entry_already_reversed', `L’écriture n° ${original.seq} a déjà été contrepassée (écriture n° ${reversal.seq}).`);
    }
    if (!sameLines(lines, swapSides(linesOfEntry(tx, original.id)))) {
      throw refuse('ledger_reversal_mismatch', `les lignes ne sont pas celles de l’écriture n° ${original.seq}, débit et crédit inversés.`);
    }
  }

  // Resolve every account and check balances before writing anything: a caller that catches the
  // error and carries on in the same transaction is left with no stray row.
  const createdAt = now.toISOString();
  const accounts = new Map<string, AccountState>();
  const moves = new Map<string, { debitCents: number; creditCents: number }>();
  for (const line of lines) {
    const move = moves.get(line.account);
    if (move) {
      move.debitCents += line.debitCents;
      move.creditCents += line.creditCents;
    } else {
      moves.set(line.account, { debitCents: line.debitCents, creditCents: line.creditCents });
    }
    if (accounts.has(line.account)) continue;
    const row = st.accountByCode.get(line.account);
    if (row) {
      accounts.set(line.account, { ...row, allowNegative: row.allowNegative === 1 });
    } else {
      const { type, id } = accountTypeOf(line.account)!;
      accounts.set(line.account, {
        id: newId(),
        normalSide: type.normalSide,
        allowNegative: type.allowNegative,
        debitTotalCents: 0,
        creditTotalCents: 0,
        create: { code: line.account, name: (line.name?.trim() || type.name(id)).slice(0, 200) },
      });
    }
  }
  for (const [code, move] of moves) {
    const account = accounts.get(code)!;
    if (account.allowNegative) continue;
    const sign = account.normalSide === 'debit' ? 1 : -1;
    const after = sign * (account.debitTotalCents + move.debitCents - account.creditTotalCents - move.creditCents);
    if (after < 0) {
      throw refuse('ledger_negative_balance', `le solde du compte ${code} deviendrait négatif (${after} centimes).`);
    }
  }

  const last = st.lastEntry.get();
  const entry: HashedEntry = {
    // Time-ordered: the entry's indexes (id, idempotency key, reference) grow at their end.
    id: newOrderedId(),
    seq: (last?.seq ?? 0) + 1,
    kind,
    refType,
    refId,
    label,
    valueDate,
    postedAt: createdAt,
    idempotencyKey,
    reversesEntryId,
    lines: lines.map(({ account, debitCents, creditCents }) => ({ account, debitCents, creditCents })),
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = entryHash(prevHash, entry);

  for (const account of accounts.values()) {
    if (account.create) {
      st.insertAccount.run(account.id, account.create.code, account.create.name, account.normalSide, account.allowNegative ? 1 : 0, createdAt);
    }
  }
  st.insertEntry.run(entry.id, entry.seq, kind, refType, refId, label, valueDate, createdAt, idempotencyKey, reversesEntryId, prevHash, hash);
  for (const l of lines) st.insertLine.run(entry.id, accounts.get(l.account)!.id, l.debitCents, l.creditCents);
  for (const [code, move] of moves) st.addToTotals.run(move.debitCents, move.creditCents, accounts.get(code)!.id);
  return { entryId: entry.id, seq: entry.seq, alreadyPosted: false };
}

export interface ReverseEntryInput {
  entryId: string;
  kind: string;
  idempotencyKey: string;
  label: string;
  valueDate?: string;
}

/**
 * Cancels an entry with its mirror image (debits and credits swapped), about the same business object.
 * Allowed once per entry (409 entry_already_reversed); a reversal itself is never reversed.
 */
export function reverseEntry(tx: Tx, clock: Clock, input: ReverseEntryInput): PostedEntry {
  const original = tx.select().from(journalEntries).where(eq(journalEntries.id, input.entryId)).get();
  if (!original) throw notFound('ledger_entry_not_found', 'Écriture à contrepasser introuvable.');
  return postEntry(tx, clock, {
    kind: input.kind,
    refType: original.refType,
    refId: original.refId,
    label: input.label,
    valueDate: input.valueDate,
    idempotencyKey: input.idempotencyKey,
    reversesEntryId: original.id,
    lines: swapSides(linesOfEntry(tx, original.id)),
  });
}

// --- Reading ------------------------------------------------------------------------------------

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
  return rows.map((r) => ({ ...r, balanceCents: r.debitCents - r.creditCents }));
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

export interface BalanceMismatch {
  code: string;
  storedDebitCents: number;
  storedCreditCents: number;
  linesDebitCents: number;
  linesCreditCents: number;
}

/**
 * Rebuilds every account's totals from its lines (one pass over the covering index) and lists the
 * accounts whose running totals differ: invariant 1 of finance.md, "cached totals never drift".
 */
export function verifyBalances(db: DbOrTx): { ok: boolean; accounts: number; mismatches: BalanceMismatch[] } {
  // Spelled out: drizzle leaves the columns of a one-table query unqualified, and in the subquery an
  // unqualified `id` would be the line's.
  const rows = db
    .select({
      code: ledgerAccounts.code,
      storedDebitCents: ledgerAccounts.debitTotalCents,
      storedCreditCents: ledgerAccounts.creditTotalCents,
      linesDebitCents: sql<number>`coalesce((SELECT sum(l.debit_cents) FROM journal_lines l WHERE l.account_id = ledger_accounts.id), 0)`,
      linesCreditCents: sql<number>`coalesce((SELECT sum(l.credit_cents) FROM journal_lines l WHERE l.account_id = ledger_accounts.id), 0)`,
    })
    .from(ledgerAccounts)
    .orderBy(ledgerAccounts.code)
    .all();
  const mismatches = rows.filter((r) => r.storedDebitCents !== r.linesDebitCents || r.storedCreditCents !== r.linesCreditCents);
  return { ok: mismatches.length === 0, accounts: rows.length, mismatches };
}

export interface TrialBalance {
  debitCents: number;
  creditCents: number;
  balanced: boolean;
}

export function trialBalance(db: DbOrTx): TrialBalance {
  const sums = db
    .select({
      debitCents: sql<number>`coalesce(sum(${journalLines.debitCents}), 0)`,
      creditCents: sql<number>`coalesce(sum(${journalLines.creditCents}), 0)`,
    })
    .from(journalLines)
    .get()!;
  return { ...sums, balanced: sums.debitCents === sums.creditCents };
}

export type ChainBreak = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'unbalanced';

export type ChainVerdict =
  | { ok: true; entries: number; lastSeq: number; lastHash: string }
  | { ok: false; brokenAtSeq: number; reason: ChainBreak; detail: string };

const BREAK_DETAILS: Record<ChainBreak, string> = {
  seq_gap: 'numéro d’écriture manquant ou en double : une écriture a été supprimée ou insérée hors du journal',
  prev_hash_mismatch: 'l’empreinte précédente enregistrée ne correspond pas à celle de l’écriture précédente',
  hash_mismatch: 'l’empreinte recalculée diffère de celle enregistrée : l’écriture ou ses lignes ont été modifiées',
  unbalanced: 'les débits et les crédits de l’écriture diffèrent',
};

interface ChainRow {
  id: string;
  seq: number;
  kind: string;
  ref_type: string;
  ref_id: string;
  label: string;
  value_date: string;
  posted_at: string;
  idempotency_key: string;
  reverses_entry_id: string | null;
  prev_hash: string;
  hash: string;
  account: string | null;
  debit_cents: number | null;
  credit_cents: number | null;
}

/**
 * Recomputes every hash from the stored rows, in seq order, streaming (constant memory whatever the
 * size of the journal). Stops at the first broken entry. Truncating the tail leaves a valid chain:
 * compare lastSeq/lastHash with a copy kept elsewhere to detect that.
 */
export function verifyChain(db: Db): ChainVerdict {
  const rows = db.$client
    .prepare(
      `SELECT e.id, e.seq, e.kind, e.ref_type, e.ref_id, e.label, e.value_date, e.posted_at, e.idempotency_key,
              e.reverses_entry_id, e.prev_hash, e.hash, a.code AS account, l.debit_cents, l.credit_cents
         FROM journal_entries e
         LEFT JOIN journal_lines l ON l.entry_id = e.id
         LEFT JOIN ledger_accounts a ON a.id = l.account_id
        ORDER BY e.seq, l.id`,
    )
    .iterate() as IterableIterator<ChainRow>;

  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  let current: { row: ChainRow; lines: CanonicalLine[] } | undefined;

  const check = (entry: { row: ChainRow; lines: CanonicalLine[] }): ChainVerdict | undefined => {
    const { row, lines } = entry;
    const broken = (reason: ChainBreak): ChainVerdict => ({ ok: false, brokenAtSeq: row.seq, reason, detail: BREAK_DETAILS[reason] });
    if (row.seq !== expectedSeq) return broken('seq_gap');
    if (row.prev_hash !== prevHash) return broken('prev_hash_mismatch');
    const recomputed = entryHash(prevHash, {
      id: row.id,
      seq: row.seq,
      kind: row.kind,
      refType: row.ref_type,
      refId: row.ref_id,
      label: row.label,
      valueDate: row.value_date,
      postedAt: row.posted_at,
      idempotencyKey: row.idempotency_key,
      reversesEntryId: row.reverses_entry_id,
      lines,
    });
    if (recomputed !== row.hash) return broken('hash_mismatch');
    const debits = lines.reduce((s, l) => s + l.debitCents, 0);
    const credits = lines.reduce((s, l) => s + l.creditCents, 0);
    if (lines.length < 2 || debits !== credits) return broken('unbalanced');
    expectedSeq += 1;
    prevHash = row.hash;
    count += 1;
    return undefined;
  };

  for (const row of rows) {
    if (!current || current.row.id !== row.id) {
      if (current) {
        const verdict = check(current);
        // Leaving the loop early closes the statement's iterator.
        if (verdict) return verdict;
      }
      current = { row, lines: [] };
    }
    if (row.account !== null) {
      current.lines.push({ account: row.account, debitCents: row.debit_cents ?? 0, creditCents: row.credit_cents ?? 0 });
    }
  }
  if (current) {
    const verdict = check(current);
    if (verdict) return verdict;
  }
  return { ok: true, entries: count, lastSeq: expectedSeq - 1, lastHash: prevHash };
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
