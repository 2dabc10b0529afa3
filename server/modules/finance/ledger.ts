/**
 * The double-entry journal: the one place where money moves. Every posting goes through postEntry,
 * inside the caller's transaction, so that the business change (a redemption, a payment…) and its
 * entry commit or roll back together. Entries are never updated or deleted (triggers refuse it);
 * each one carries sha256(previous hash ‖ canonical entry), so an edit made behind the triggers' back
 * shows up in verifyChain.
 */
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { withLock } from '../../../db/locks.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { newId, newOrderedId } from '../../shared/secrets.ts';
import {
  SNAKE,
  accountTypeOf,
  checkedText,
  entryHash,
  GENESIS_HASH,
  isCalendarDate,
  normaliseLines,
  sameLines,
  swapSides,
  type PostEntryInput,
  type HashedEntry,
  type PostedEntry,
} from './ledger.rules.ts';
import {
  entryAlreadyReversed,
  entryToReverseNotFound,
  idempotencyKeyReused,
  ledgerKindInvalid,
  ledgerNegativeBalance,
  ledgerReversalMismatch,
  ledgerReversalOfReversal,
  ledgerUnbalanced,
  ledgerValueDateInvalid,
} from './ledger.errors.ts';
import { journalEntryById, reversalOfEntry } from './ledger.repository.ts';
import { ledgerStatements, linesOfEntry, type AccountState } from './ledger.statements.ts';

// The journal's other parts, re-exported: callers import the journal from here.
export * from './ledger.rules.ts';
export * from './ledger.balances.ts';
export * from './ledger.verification.ts';


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
  if (!SNAKE.test(kind)) throw ledgerKindInvalid(kind);
  const refType = checkedText(input.refType, 'refType', 50);
  const refId = checkedText(input.refId, 'refId', 100);
  const label = checkedText(input.label, 'label', 200);
  const idempotencyKey = checkedText(input.idempotencyKey, 'idempotencyKey', 200);
  const now = clock.now();
  const valueDate = input.valueDate ?? parisDate(now);
  if (!isCalendarDate(valueDate)) throw ledgerValueDateInvalid(valueDate);
  const reversesEntryId = input.reversesEntryId ?? null;
  const lines = normaliseLines(input.lines);

  const debits = lines.reduce((s, l) => s + l.debitCents, 0);
  const credits = lines.reduce((s, l) => s + l.creditCents, 0);
  if (debits !== credits) {
    throw ledgerUnbalanced(debits, credits);
  }

  const st = ledgerStatements(tx);
  if (!st.client.inTransaction) throw new Error('postEntry runs inside the caller’s transaction');
  // The idempotency check, the chain head and the account totals are read then written: one writer at a time.
  return withLock('journal-chain-head', tx, () => {
    const existing = st.entryByKey.get(idempotencyKey);
    if (existing) {
      const same =
        existing.kind === kind &&
        existing.refType === refType &&
        existing.refId === refId &&
        existing.reversesEntryId === reversesEntryId &&
        sameLines(st.linesOfEntry.all(existing.id), lines);
      if (!same) {
        throw idempotencyKeyReused(existing.id);
      }
      return { entryId: existing.id, seq: existing.seq, alreadyPosted: true };
    }

    if (reversesEntryId !== null) {
      const original = journalEntryById(tx, reversesEntryId);
      if (!original) throw entryToReverseNotFound();
      if (original.reversesEntryId !== null) {
        throw ledgerReversalOfReversal(original.seq);
      }
      const reversal = reversalOfEntry(tx, original.id);
      if (reversal) {
        throw entryAlreadyReversed(original.seq, reversal.seq);
      }
      if (!sameLines(lines, swapSides(linesOfEntry(tx, original.id)))) {
        throw ledgerReversalMismatch(original.seq);
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
        throw ledgerNegativeBalance(code, after);
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
  });
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
  const original = journalEntryById(tx, input.entryId);
  if (!original) throw entryToReverseNotFound();
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

