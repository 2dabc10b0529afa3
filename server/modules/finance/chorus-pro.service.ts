import type { Db, DbOrTx } from '../../../db/client.ts';
import type { ChorusDocumentType } from '../../../db/schema/chorus-pro.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Actor } from '../identity/actor.ts';
import { auditTrail, recordAudit } from '../audit/audit.repository.ts';
import { goesThroughChorusPro, type ChorusDepositInput, type ChorusStatus } from './chorus-pro.ts';
import { depositsOf, findDeposit, saveDeposit, userNames, type ChorusDepositRow } from './chorus-pro.repository.ts';
import { findCreditNoteFor } from './credit-notes.repository.ts';
import { assertNotInFuture } from './finance-dates.ts';
import { chorusProNotApplicable, creditNoteNotFound, depositBeforeIssue, invoiceNotFound } from './invoices.errors.ts';
import { findInvoiceFor } from './invoices.service.ts';

export interface ChorusDocument {
  type: ChorusDocumentType;
  id: string;
  number: string;
  issuedOn: string;
  /** Addressed to a public body (or the State): deposited on Chorus Pro. */
  public: boolean;
}

const NOT_FOUND: Record<ChorusDocumentType, () => Error> = {
  invoice: invoiceNotFound,
  credit_note: creditNoteNotFound,
};

/** The invoice or credit note as far as Chorus Pro is concerned, if the actor may read it. */
export function findChorusDocument(db: DbOrTx, actor: Actor, type: ChorusDocumentType, id: string): ChorusDocument | undefined {
  if (type === 'invoice') {
    const found = findInvoiceFor(db, actor, id);
    return found && { type, id, number: found.invoice.number, issuedOn: found.invoice.issuedOn, public: goesThroughChorusPro({ party: found.invoice.party, buyerType: found.buyer.buyerType }) };
  }
  const found = findCreditNoteFor(db, actor, id);
  return found && { type, id, number: found.note.number, issuedOn: found.note.issuedOn, public: goesThroughChorusPro({ party: found.note.party, buyerType: found.buyer.buyerType }) };
}

export const chorusStatusOf = (isPublic: boolean, deposit: ChorusDepositRow | undefined): ChorusStatus => (!isPublic ? 'not_applicable' : deposit ? 'deposited' : 'pending');

/** Deposit and status of each document of a list page, in one query. */
export function chorusStatuses(db: DbOrTx, type: ChorusDocumentType, documents: readonly { id: string; public: boolean }[]) {
  const deposits = depositsOf(db, type, documents.map((d) => d.id));
  return new Map(documents.map((d) => [d.id, { status: chorusStatusOf(d.public, deposits.get(d.id)), deposit: deposits.get(d.id) ?? null }]));
}

/**
 * Records "déposé sur Chorus Pro le …, n° de flux …" for a document, or corrects it. The date is a
 * fact of the past and cannot precede the document's issue; a private buyer's document does not go
 * through Chorus Pro. Each recording and correction lands in the audit log with what it replaced.
 */
export function recordChorusDeposit(deps: { db: Db; clock: Clock; actor: Actor; type: ChorusDocumentType; id: string; input: ChorusDepositInput }) {
  const { db, clock, actor, type, id, input } = deps;
  return db.transaction(
    (tx) => {
      const document = findChorusDocument(tx, actor, type, id);
      if (!document) throw NOT_FOUND[type]();
      if (!document.public) {
        throw chorusProNotApplicable(document.number);
      }
      assertNotInFuture(clock, input.depositedOn, 'depositedOn', 'La date de dépôt sur Chorus Pro');
      if (input.depositedOn < document.issuedOn) {
        throw depositBeforeIssue(document.number, input.depositedOn, document.issuedOn);
      }
      const before = findDeposit(tx, type, id);
      if (before && before.depositedOn === input.depositedOn && before.flowNumber === input.flowNumber) return { created: false, deposit: before };
      const deposit: ChorusDepositRow = { documentType: type, documentId: id, depositedOn: input.depositedOn, flowNumber: input.flowNumber, recordedAt: clock.now().toISOString(), recordedByUserId: actor.userId };
      saveDeposit(tx, deposit);
      recordAudit(tx, clock, actor, before ? 'chorus_pro.deposit_corrected' : 'chorus_pro.deposit_recorded', { type, id }, {
        number: document.number,
        depositedOn: input.depositedOn,
        flowNumber: input.flowNumber,
        ...(before ? { previous: { depositedOn: before.depositedOn, flowNumber: before.flowNumber } } : {}),
      });
      return { created: !before, deposit };
    },
    { behavior: 'immediate' },
  );
}

export interface ChorusHistoryItem {
  action: 'recorded' | 'corrected';
  at: string;
  by: string | null;
  depositedOn: string;
  flowNumber: string;
  previous: { depositedOn: string; flowNumber: string } | null;
}

/** Where the document stands, and every recording and correction of its deposit, oldest first. */
export function chorusDepositOf(db: DbOrTx, actor: Actor, type: ChorusDocumentType, id: string) {
  const document = findChorusDocument(db, actor, type, id);
  if (!document) throw NOT_FOUND[type]();
  const deposit = findDeposit(db, type, id);
  const trail = auditTrail(db, { type, id }, 'chorus_pro.');
  const names = userNames(db, [...new Set(trail.map((row) => row.actorUserId).filter((u): u is string => u !== null))]);
  const history: ChorusHistoryItem[] = trail.map((row) => {
    const data = (row.data ?? {}) as { depositedOn?: string; flowNumber?: string; previous?: { depositedOn: string; flowNumber: string } };
    return {
      action: row.action === 'chorus_pro.deposit_corrected' ? 'corrected' : 'recorded',
      at: row.at,
      by: row.actorUserId ? (names.get(row.actorUserId) ?? null) : null,
      depositedOn: data.depositedOn ?? '',
      flowNumber: data.flowNumber ?? '',
      previous: data.previous ?? null,
    };
  });
  return { document, status: chorusStatusOf(document.public, deposit), deposit: deposit ?? null, history };
}

/** The list filter of the pages (chorus-pro.list.ts): `a-deposer` keeps what is still to deposit, `deposes` what is deposited. */
export const CHORUS_FILTERS = { 'a-deposer': 'pending', deposes: 'deposited' } as const satisfies Record<string, ChorusStatus>;
