/**
 * The journal's pure rules: the chart of accounts, the canonical form an entry is hashed in, and the
 * checks an entry must pass before anything is written. No database, no clock: unit-tested as such
 * (test/unit/ledger-rules.test.ts).
 */
import { addDays } from '../../shared/paris-time.ts';
import { ledgerAccountUnknown, ledgerAmountInvalid, ledgerFieldInvalid, ledgerLineNotOneSided, ledgerTooFewLines } from './ledger.errors.ts';
import { sha256Hex } from '../../shared/secrets.ts';
import type { NormalSide } from '../../../db/schema/ledger.ts';

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

export const SNAKE = /^[a-z][a-z0-9_]{0,49}$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** YYYY-MM-DD naming a day that exists (no 31 April, no 29 February outside leap years). */
export function isCalendarDate(value: string): boolean {
  return typeof value === 'string' && DATE.test(value) && addDays(value, 0) === value;
}

export function checkedText(value: string, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw ledgerFieldInvalid(field, max);
  }
  return value;
}

function checkedAmount(value: number | undefined, line: number): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw ledgerAmountInvalid(line, value);
  }
  return value;
}

export function normaliseLines(lines: readonly LedgerLineInput[]): (CanonicalLine & { name?: string })[] {
  if (!Array.isArray(lines) || lines.length < 2) {
    throw ledgerTooFewLines();
  }
  return lines.map((line, i) => {
    const debitCents = checkedAmount(line.debitCents, i + 1);
    const creditCents = checkedAmount(line.creditCents, i + 1);
    if ((debitCents > 0) === (creditCents > 0)) {
      throw ledgerLineNotOneSided(i + 1);
    }
    if (typeof line.account !== 'string' || !accountTypeOf(line.account)) {
      throw ledgerAccountUnknown(i + 1, line.account);
    }
    return { account: line.account, debitCents, creditCents, ...(line.name ? { name: line.name } : {}) };
  });
}

export const sameLines = (a: readonly CanonicalLine[], b: readonly CanonicalLine[]) =>
  canonicalJson(sortLines(a).map(({ account, debitCents, creditCents }) => ({ account, debitCents, creditCents }))) ===
  canonicalJson(sortLines(b).map(({ account, debitCents, creditCents }) => ({ account, debitCents, creditCents })));

export const swapSides = (lines: readonly CanonicalLine[]): CanonicalLine[] =>
  lines.map((l) => ({ account: l.account, debitCents: l.creditCents, creditCents: l.debitCents }));

