import { createHash } from 'node:crypto';
import type { Db, Tx } from '../../../db/client.ts';
import type { BankEntryMatch } from '../../../db/schema/bank-statements.ts';
import type { Config } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { formatEuros } from '../../shared/money.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { DomainError, conflict, notFound, unprocessable } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../accounts/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { parseCamt053, parseCfonb120, ribOfFrenchIban, type ParsedEntry, type ParsedStatement } from './bank-statement-formats.ts';
import * as repo from './bank-statements.repository.ts';
import { recordPaymentInTx } from './invoices.service.ts';
import { rejectPayoutInTx, settlePayoutsInTx } from './reimbursement.service.ts';

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

const INVOICE_NUMBER = /\b(FAC-\d{4}-\d{6})\b/g;
const PAYOUT_REFERENCE = /\b(RB-\d{4}-\d{6})\b/g;
const referencesIn = (entry: Pick<ParsedEntry, 'remittance' | 'endToEndId'>, pattern: RegExp) =>
  [...`${entry.endToEndId ?? ''} ${entry.remittance ?? ''}`.toUpperCase().matchAll(pattern)].map((m) => m[1]!);

function parse(content: string, contentType: 'xml' | 'text'): ParsedStatement {
  return contentType === 'xml' ? parseCamt053(content) : parseCfonb120(content);
}

/** Opening balance + credits − debits must be the closing balance: a statement that does not add up is not read. */
function assertBalanced(statement: ParsedStatement): void {
  const movementCents = statement.entries.reduce((sum, e) => sum + (e.direction === 'credit' ? e.amountCents : -e.amountCents), 0);
  if (statement.openingCents + movementCents !== statement.closingCents) {
    throw new DomainError(
      422,
      'statement_unbalanced',
      `Le relevé ne s’équilibre pas : solde d’ouverture ${formatEuros(statement.openingCents)} + mouvements ${formatEuros(movementCents)} = ${formatEuros(statement.openingCents + movementCents)}, solde de clôture annoncé ${formatEuros(statement.closingCents)}.`,
      { extra: { openingCents: statement.openingCents, movementCents, closingCents: statement.closingCents, differenceCents: statement.closingCents - statement.openingCents - movementCents } },
    );
  }
}

function assertOperatorAccount(statement: ParsedStatement, operatorIban: string): void {
  const iban = operatorIban.replace(/\s/g, '').toUpperCase();
  const expected = statement.format === 'cfonb120' ? ribOfFrenchIban(iban) : iban;
  if (statement.account.toUpperCase() !== expected) {
    throw unprocessable('statement_wrong_account', `Ce relevé est celui du compte ${statement.account}, pas du compte de l’opérateur.`);
  }
}

/**
 * The automatic reading of one new entry, in the import's transaction. A match is only made when
 * every rule of the target holds (amount within what is due, payout waiting for execution…);
 * otherwise the entry waits for finance, which is never worse than a wrong match.
 */
function matchEntry(tx: Tx, clock: Clock, actor: Actor, entry: ParsedEntry, entryId: string): { kind: BankEntryMatch; id: string } | null {
  const today = parisDate(clock.now());
  if (entry.bookingDate > today) return null;
  if (entry.direction === 'credit' && entry.returnReason) {
    for (const reference of referencesIn(entry, PAYOUT_REFERENCE)) {
      const payout = repo.payoutByReference(tx, reference);
      if (payout && (payout.status === 'approved' || payout.status === 'paid') && payout.amountCents === entry.amountCents) {
        rejectPayoutInTx(tx, clock, actor, payout.id, `Retour bancaire ${entry.returnReason}`, entry.bookingDate);
        return { kind: 'payout_return', id: payout.id };
      }
    }
    return null;
  }
  if (entry.direction === 'credit') {
    for (const number of referencesIn(entry, INVOICE_NUMBER)) {
      const invoice = repo.invoiceByNumber(tx, number);
      if (invoice && entry.amountCents <= invoice.totalCents - invoice.paidCents) {
        const payment = recordPaymentInTx(tx, clock, actor, { invoiceId: invoice.id, amountCents: entry.amountCents, receivedOn: entry.bookingDate, reference: `Relevé ${entryId}`.slice(0, 140) });
        return { kind: 'payment', id: payment.id };
      }
    }
    return null;
  }
  for (const reference of referencesIn(entry, PAYOUT_REFERENCE)) {
    const payout = repo.payoutByReference(tx, reference);
    const batch = payout && repo.batchById(tx, payout.batchId);
    if (payout && batch && payout.status === 'approved' && payout.amountCents === entry.amountCents && executableOn(batch, entry.bookingDate)) {
      settlePayoutsInTx(tx, clock, actor, batch, [payout.id], entry.bookingDate);
      return { kind: 'payout', id: payout.id };
    }
  }
  // A grouped debit names no payout: the whole batch, known by its total (and its message id when two batches tie).
  const candidates = referencesIn(entry, PAYOUT_REFERENCE).length === 0 ? repo.approvedBatchesTotalling(tx, entry.amountCents) : [];
  const named = candidates.filter((b) => b.message_id && `${entry.remittance ?? ''} ${entry.endToEndId ?? ''}`.includes(b.message_id));
  const batches = named.length > 0 ? named : candidates;
  if (batches.length === 1) {
    const batch = repo.batchById(tx, batches[0]!.id)!;
    if (executableOn(batch, entry.bookingDate)) {
      settlePayoutsInTx(tx, clock, actor, batch, 'all', entry.bookingDate);
      return { kind: 'batch', id: batch.id };
    }
  }
  return null;
}

const executableOn = (batch: { approvedAt: string | null }, bookingDate: string) => !batch.approvedAt || bookingDate >= parisDate(new Date(batch.approvedAt));

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
      for (const entry of fresh) {
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
        const match = matchEntry(tx, clock, actor, entry, entryId);
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

function requireUnmatched(tx: Tx, entryId: string) {
  const entry = repo.entryById(tx, entryId);
  if (!entry) throw notFound('bank_entry_not_found', 'Mouvement bancaire introuvable.');
  if (entry.status !== 'unmatched') throw conflict('bank_entry_already_resolved', 'Ce mouvement a déjà été rapproché ou écarté.');
  return entry;
}

/** Finance reads a queued entry itself: a credit becomes a payment of the invoice, a debit the execution of a payout. */
export function matchEntryByHand(deps: Deps & { entryId: string; target: { invoiceId: string } | { payoutId: string } }) {
  const { db, clock, actor, entryId, target } = deps;
  return db.transaction(
    (tx) => {
      const entry = requireUnmatched(tx, entryId);
      const now = clock.now().toISOString();
      let match: { kind: BankEntryMatch; id: string };
      if ('invoiceId' in target) {
        if (entry.direction !== 'credit') throw unprocessable('bank_entry_direction', 'Un débit ne peut pas payer une facture.');
        const payment = recordPaymentInTx(tx, clock, actor, { invoiceId: target.invoiceId, amountCents: entry.amountCents, receivedOn: entry.bookingDate, reference: `Relevé ${entry.id}` });
        match = { kind: 'payment', id: payment.id };
      } else {
        const payout = repo.payoutById(tx, target.payoutId);
        if (!payout) throw notFound('payout_not_found', 'Virement introuvable.');
        if (entry.direction === 'credit') {
          rejectPayoutInTx(tx, clock, actor, payout.id, `Retour bancaire ${entry.returnReason ?? ''}`.trim(), entry.bookingDate);
          match = { kind: 'payout_return', id: payout.id };
        } else {
          const batch = repo.batchById(tx, payout.batchId)!;
          if (payout.status !== 'approved' || payout.amountCents !== entry.amountCents || !executableOn(batch, entry.bookingDate)) {
            throw unprocessable('bank_entry_mismatch', `Le virement ${payout.reference} (${formatEuros(payout.amountCents)}, ${payout.status}) ne correspond pas à ce débit de ${formatEuros(entry.amountCents)}.`);
          }
          settlePayoutsInTx(tx, clock, actor, batch, [payout.id], entry.bookingDate);
          match = { kind: 'payout', id: payout.id };
        }
      }
      repo.updateEntry(tx, entry.id, { status: 'matched', matchedKind: match.kind, matchedId: match.id, resolvedByUserId: actor.userId, resolvedAt: now });
      recordAudit(tx, clock, actor, 'bank_entry.matched', { type: 'bank_entry', id: entry.id }, match);
      return repo.entryById(tx, entry.id)!;
    },
    { behavior: 'immediate' },
  );
}

/** A movement that is nothing of the service's (bank fees, a transfer between own accounts…), set aside with why. */
export function dismissEntry(deps: Deps & { entryId: string; reason: string }) {
  const { db, clock, actor, entryId, reason } = deps;
  return db.transaction(
    (tx) => {
      const entry = requireUnmatched(tx, entryId);
      repo.updateEntry(tx, entry.id, { status: 'dismissed', dismissedReason: reason, resolvedByUserId: actor.userId, resolvedAt: clock.now().toISOString() });
      recordAudit(tx, clock, actor, 'bank_entry.dismissed', { type: 'bank_entry', id: entry.id }, { reason });
      return repo.entryById(tx, entry.id)!;
    },
    { behavior: 'immediate' },
  );
}

/** The queue, each entry with what it might be: same amount owed, or the same amount waiting to be paid out. */
export function reconciliationQueue(db: Db) {
  return repo.unmatchedEntries(db).map((entry) => ({
    entry,
    suggestions:
      entry.direction === 'credit' && !entry.returnReason
        ? repo.invoicesOwing(db, entry.amountCents).map((i) => ({ kind: 'invoice' as const, id: i.id, label: `${i.number} — reste dû ${formatEuros(i.dueCents)}` }))
        : repo.approvedPayoutsOf(db, entry.amountCents).map((p) => ({ kind: 'payout' as const, id: p.id, label: `${p.reference} — ${formatEuros(p.amountCents)}` })),
  }));
}
