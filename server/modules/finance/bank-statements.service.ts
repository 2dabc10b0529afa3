import { createHash } from 'node:crypto';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { bankStatementNotFound, statementUnbalanced, statementWrongAccount } from './bank-statements.errors.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { parseCamt053, parseCfonb120, ribOfFrenchIban, type ParsedStatement } from './bank-statement-formats.ts';
import { describeMatches } from './bank-entries.service.ts';
import * as repo from './bank-statements.repository.ts';
import { matchAutomatically, readingOrder } from './bank-statement-matching.ts';

interface Deps {
  db: Db;
  clock: Clock;
  actor: Actor;
}

export interface ImportSummary {
  id: string;
  created: boolean;
  entries: number;
  matched: number;
  unmatched: number;
  duplicates: number;
}

function parse(content: string, contentType: 'xml' | 'text'): ParsedStatement {
  return contentType === 'xml' ? parseCamt053(content) : parseCfonb120(content);
}

/** A file uploaded from a page says nothing of its type: XML starts with a tag, CFONB 120 with a record code. */
export const detectContentType = (content: string): 'xml' | 'text' => (/^\uFEFF?\s*</.test(content) ? 'xml' : 'text');

/** Opening balance + credits − debits must be the closing balance: a statement that does not add up is not read. */
function assertBalanced(statement: ParsedStatement): void {
  const movementCents = statement.entries.reduce((sum, e) => sum + (e.direction === 'credit' ? e.amountCents : -e.amountCents), 0);
  if (statement.openingCents + movementCents !== statement.closingCents) {
    throw statementUnbalanced(statement, movementCents);
  }
}

function assertOperatorAccount(statement: ParsedStatement, operatorIban: string): void {
  const iban = operatorIban.replace(/\s/g, '').toUpperCase();
  const expected = statement.format === 'cfonb120' ? ribOfFrenchIban(iban) : iban;
  if (statement.account.toUpperCase() !== expected) {
    throw statementWrongAccount(statement.account);
  }
}

/**
 * Imports a statement of the operator's account. The same file again changes nothing (content
 * hash); an overlapping statement skips the entries already known (bank entry references are
 * unique); every new entry is matched or queued, all in one transaction so that a statement is
 * read whole or not at all.
 */
export function importStatement(deps: Deps & { config: Pick<Config, 'operatorAccount'>; content: string; contentType: 'xml' | 'text' }): ImportSummary {
  const { db, clock, actor, config, content, contentType } = deps;
  const sha256 = createHash('sha256').update(content).digest('hex');
  const statement = parse(content, contentType);
  assertBalanced(statement);
  assertOperatorAccount(statement, config.operatorAccount.iban);
  return db.transaction(
    (tx) => {
      const known = repo.statementByContent(tx, sha256);
      if (known) return { id: known.id, created: false, entries: known.entryCount, matched: 0, unmatched: 0, duplicates: known.entryCount };
      const id = newId();
      const now = clock.now().toISOString();
      const fresh = statement.entries.filter((e, i, all) => !repo.entryByRef(tx, e.entryRef) && all.findIndex((o) => o.entryRef === e.entryRef) === i);
      repo.insertStatement(tx, {
        id,
        format: statement.format,
        contentSha256: sha256,
        account: statement.account,
        statementRef: statement.statementRef.slice(0, 140),
        fromDate: statement.fromDate,
        toDate: statement.toDate,
        openingCents: statement.openingCents,
        closingCents: statement.closingCents,
        entryCount: statement.entries.length,
        newEntryCount: fresh.length,
        importedAt: now,
        importedByUserId: actor.userId,
      });
      let matched = 0;
      for (const entry of readingOrder(fresh)) {
        const entryId = newId();
        repo.insertEntry(tx, {
          id: entryId,
          statementId: id,
          entryRef: entry.entryRef,
          bookingDate: entry.bookingDate,
          direction: entry.direction,
          amountCents: entry.amountCents,
          endToEndId: entry.endToEndId?.slice(0, 140) ?? null,
          remittance: entry.remittance?.slice(0, 500) ?? null,
          counterparty: entry.counterparty?.slice(0, 140) ?? null,
          returnReason: entry.returnReason,
          status: 'unmatched',
          matchedKind: null,
          matchedId: null,
          dismissedReason: null,
          resolvedByUserId: null,
          resolvedAt: null,
          createdAt: now,
        });
        const match = matchAutomatically(tx, clock, actor, entry, entryId);
        if (match) {
          repo.updateEntry(tx, entryId, { status: 'matched', matchedKind: match.kind, matchedId: match.id, resolvedAt: now });
          matched++;
        }
      }
      recordAudit(tx, clock, actor, 'bank_statement.imported', { type: 'bank_statement', id }, { format: statement.format, entries: statement.entries.length, new: fresh.length, matched });
      return { id, created: true, entries: statement.entries.length, matched, unmatched: fresh.length - matched, duplicates: statement.entries.length - fresh.length };
    },
    { behavior: 'immediate' },
  );
}


const statementOut = (s: repo.BankStatementListRow) => ({
  id: s.id,
  format: s.format,
  account: s.account,
  fromDate: s.from_date,
  toDate: s.to_date,
  openingCents: s.opening_cents,
  closingCents: s.closing_cents,
  entryCount: s.entry_count,
  newEntryCount: s.new_entry_count,
  matched: Number(s.matched),
  unmatched: Number(s.unmatched),
  dismissed: Number(s.dismissed),
  importedAt: s.imported_at,
});

/** The imported statements, newest period first, each with how many of its movements were read, queued or set aside. */
export const listStatementsWithCounts = (db: Db) => repo.statementsWithCounts(db).map(statementOut);

/** One statement with its counts, without its movements: its page reads them as a list (bank-entries.list.ts). */
export function statementSummary(db: Db, statementId: string) {
  const row = repo.statementsWithCounts(db, statementId)[0];
  if (!row) throw bankStatementNotFound();
  return statementOut(row);
}

/** One statement with its new movements and what each became. */
export function statementDetail(db: Db, statementId: string) {
  const row = repo.statementsWithCounts(db, statementId)[0];
  if (!row) throw bankStatementNotFound();
  const entries = repo.entriesOfStatement(db, statementId);
  return { statement: statementOut(row), entries, matches: describeMatches(db, entries) };
}
