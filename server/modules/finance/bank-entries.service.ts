import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { formatEuros } from '../../shared/money.ts';
import { frenchMonth } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { rankCandidates, type Candidate, type Similarity } from './bank-matching.ts';
import { executePayout, payInvoice, returnPayout, type Match } from './bank-statement-matching.ts';
import {
  bankEntryAlreadyResolved,
  bankEntryAmountMismatch,
  bankEntryNotFound,
  onlyCreditsPayInvoices,
  payoutNotAwaitingExecution,
} from './bank-statements.errors.ts';
import * as repo from './bank-statements.repository.ts';
import { payoutNotFound, payoutNotOnItsWay } from './reimbursement.errors.ts';
import type { BankEntryRow } from './bank-statements.repository.ts';

/**
 * What finance does with the movements the import could not read: see what each might be, match
 * it to an invoice or a payout, or set it aside with the reason. Each decision is final (the
 * payment or payout status it records follows the usual forward-only flows) and audited.
 */

interface Deps {
  db: Db;
  clock: Clock;
  actor: Actor;
}

export type Target = { invoiceId: string } | { payoutId: string };
export interface Suggestion extends Similarity {
  kind: 'invoice' | 'payout';
  id: string;
  number: string;
  label: string;
}

const STATE = 'État';

function requireUnmatched(tx: Tx, entryId: string) {
  const entry = repo.entryById(tx, entryId);
  if (!entry) throw bankEntryNotFound();
  if (entry.status !== 'unmatched') throw bankEntryAlreadyResolved();
  return entry;
}

/** A document number typed by finance (FAC-… or RB-…) to the target it names; null when it names nothing. */
export function targetOfNumber(db: DbOrTx, typed: string): Target | null {
  const number = typed.trim().toUpperCase().replace(/\s+/g, '');
  const invoice = /^FAC-\d{4}-\d{6}$/.test(number) ? repo.invoiceByNumber(db, number) : undefined;
  if (invoice) return { invoiceId: invoice.id };
  const payout = /^RB-\d{4}-\d{6}$/.test(number) ? repo.payoutByReference(db, number) : undefined;
  return payout ? { payoutId: payout.id } : null;
}

/** Finance reads a queued entry itself: a credit pays an invoice or brings a payout back, a debit executes a payout. */
export function matchEntryByHand(deps: Deps & { entryId: string; target: Target }) {
  const { db, clock, actor, entryId, target } = deps;
  return db.transaction(
    (tx) => {
      const entry = requireUnmatched(tx, entryId);
      let match: Match | null;
      if ('invoiceId' in target) {
        if (entry.direction !== 'credit' || entry.returnReason) throw onlyCreditsPayInvoices();
        match = payInvoice(tx, clock, actor, entry, entry.id, target.invoiceId);
      } else {
        const payout = repo.payoutById(tx, target.payoutId);
        if (!payout) throw payoutNotFound();
        if (payout.amountCents !== entry.amountCents) throw bankEntryAmountMismatch(payout, entry.amountCents);
        if (entry.direction === 'credit') {
          if (payout.status !== 'approved' && payout.status !== 'paid') throw payoutNotOnItsWay(payout.reference);
          match = returnPayout(tx, clock, actor, entry, payout.id);
        } else {
          match = executePayout(tx, clock, actor, entry, payout.id);
          if (!match) throw payoutNotAwaitingExecution(payout.reference);
        }
      }
      repo.updateEntry(tx, entry.id, { status: 'matched', matchedKind: match.kind, matchedId: match.id, resolvedByUserId: actor.userId, resolvedAt: clock.now().toISOString() });
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

/** What each queued movement might be: invoices it could pay, payouts it could execute or bring back, best first. */
export function suggestionsFor(db: DbOrTx, entries: BankEntryRow[]): Map<string, Suggestion[]> {
  const needs = { invoices: entries.some((e) => e.direction === 'credit' && !e.returnReason), debits: entries.some((e) => e.direction === 'debit'), returns: entries.some((e) => e.direction === 'credit' && e.returnReason) };
  const invoiceCandidates = needs.invoices
    ? repo.invoicesStillOwed(db).map((i) => ({
        id: i.id,
        number: i.number,
        amountCents: i.due_cents,
        amountRule: 'at_most' as const,
        otherReferences: [i.order_reference],
        names: i.party === 'state' ? [STATE, ...(i.program_name ? [i.program_name] : [])] : [i.buyer_name],
        label: `Facture ${i.number} — ${i.party === 'state' ? `${STATE} (${i.program_name ?? 'programme'})` : i.buyer_name}, reste dû ${formatEuros(i.due_cents)}`,
      }))
    : [];
  const payoutCandidates = (statuses: ('approved' | 'paid')[]) =>
    repo.payoutsIn(db, statuses).map((p) => ({
      id: p.id,
      number: p.reference,
      amountCents: p.amount_cents,
      amountRule: 'equal' as const,
      otherReferences: [],
      names: [p.place_name, p.holder],
      label: `Virement ${p.reference} — ${p.place_name}, ${formatEuros(p.amount_cents)}`,
    }));
  const debitCandidates = needs.debits ? payoutCandidates(['approved']) : [];
  const returnCandidates = needs.returns ? payoutCandidates(['approved', 'paid']) : [];
  const out = new Map<string, Suggestion[]>();
  for (const entry of entries) {
    const [kind, candidates]: ['invoice' | 'payout', (Candidate & { id: string; label: string })[]] =
      entry.direction === 'debit' ? ['payout', debitCandidates] : entry.returnReason ? ['payout', returnCandidates] : ['invoice', invoiceCandidates];
    out.set(
      entry.id,
      rankCandidates(entry, candidates).map((c) => ({ kind, id: c.id, number: c.number, label: c.label, score: c.score, reasons: c.reasons })),
    );
  }
  return out;
}

/** The queue, oldest first, each movement with its suggestions. */
export function reconciliationQueue(db: Db) {
  const entries = repo.unmatchedEntries(db);
  const suggestions = suggestionsFor(db, entries);
  return entries.map((entry) => ({ entry, suggestions: suggestions.get(entry.id) ?? [] }));
}

export function queuedEntry(db: Db, entryId: string) {
  const entry = repo.entryById(db, entryId);
  if (!entry) throw bankEntryNotFound();
  return entry;
}

/** What a matched entry was read as, in the documents' words: numbers and names, never ids. */
export function describeMatches(db: DbOrTx, entries: BankEntryRow[]): Map<string, { label: string; number: string | null; href: string | null }> {
  const idsOf = (...kinds: string[]) => entries.filter((e) => e.matchedKind && kinds.includes(e.matchedKind)).map((e) => e.matchedId!);
  const payments = new Map(repo.paymentTargets(db, idsOf('payment')).map((p) => [p.id, p]));
  const payouts = new Map(repo.payoutTargets(db, idsOf('payout', 'payout_return')).map((p) => [p.id, p]));
  const batches = new Map(repo.batchTargets(db, idsOf('batch')).map((b) => [b.id, b]));
  const out = new Map<string, { label: string; number: string | null; href: string | null }>();
  for (const e of entries) {
    if (e.status === 'dismissed') out.set(e.id, { label: `Écarté : ${e.dismissedReason ?? ''}`, number: null, href: null });
    else if (e.status === 'unmatched') out.set(e.id, { label: 'À traiter', number: null, href: '/finances/releves-bancaires/a-traiter' });
    else if (e.matchedKind === 'payment') {
      const p = payments.get(e.matchedId!);
      out.set(e.id, { label: p ? `Paiement de la facture ${p.number} — ${p.party === 'state' ? `${STATE} (${p.program_name ?? 'programme'})` : p.buyer_name}` : 'Paiement', number: p?.number ?? null, href: null });
    } else if (e.matchedKind === 'batch') {
      const b = batches.get(e.matchedId!);
      const range = b?.first_ref ? (b.first_ref === b.last_ref ? ` (${b.first_ref})` : ` (${b.first_ref} à ${b.last_ref})`) : '';
      out.set(e.id, { label: b ? `Virements du lot de ${frenchMonth(b.period)}${range} exécutés` : 'Lot exécuté', number: b?.first_ref ?? null, href: `/finances/remboursements/${e.matchedId}` });
    } else {
      const p = payouts.get(e.matchedId!);
      const what = e.matchedKind === 'payout_return' ? 'Retour du virement' : 'Virement';
      out.set(e.id, { label: p ? `${what} ${p.reference} — ${p.place_name}${e.matchedKind === 'payout' ? ' exécuté' : ''}` : what, number: p?.reference ?? null, href: null });
    }
  }
  return out;
}
