import { and, asc, count, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { orders } from '../../../db/schema/orders.ts';
import { inDateMonth, orderByFor, searchCondition, type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';

/** The credit notes the actor may read: every one for the operator, its own for a buyer. */
const readableBy = (actor: Actor) => (isOperator(actor) ? undefined : eq(creditNotes.buyerId, actor.organisationId));

/**
 * The credit notes the actor may read, with their order's reference: by number, oldest first for
 * the API and its CSV, newest first for the page. One list for both, so they never disagree.
 */
export function listCreditNotes(db: DbOrTx, actor: Actor, filter: { orderId?: string; newestFirst?: boolean } = {}) {
  return db
    .select({ note: creditNotes, orderReference: orders.reference })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .where(and(readableBy(actor), filter.orderId ? eq(creditNotes.orderId, filter.orderId) : undefined))
    .orderBy(filter.newestFirst ? desc(creditNotes.number) : asc(creditNotes.number))
    .all();
}

/** One credit note with its order and buyer, or undefined when it does not exist or is not the actor's. */
export function findCreditNoteFor(db: DbOrTx, actor: Actor, creditNoteId: string) {
  return db
    .select({ note: creditNotes, order: orders, buyer: organisations })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .innerJoin(organisations, eq(organisations.id, creditNotes.buyerId))
    .where(and(eq(creditNotes.id, creditNoteId), readableBy(actor)))
    .get();
}

export const CREDIT_NOTE_SORTS = { date: creditNotes.issuedOn, numero: creditNotes.number, commanditaire: organisations.name, montant: creditNotes.totalCents } as const;
export type CreditNoteSort = keyof typeof CREDIT_NOTE_SORTS;

export interface CreditNoteCriteria {
  q: string;
  /** Month of issue, "2026-11". */
  month?: string;
}

function creditNoteWhere(actor: Actor, criteria: CreditNoteCriteria) {
  return and(
    readableBy(actor),
    criteria.month ? inDateMonth(creditNotes.issuedOn, criteria.month) : undefined,
    searchCondition(criteria.q, [creditNotes.number, orders.reference, organisations.name]),
  );
}

export function countCreditNoteSearch(db: DbOrTx, actor: Actor, criteria: CreditNoteCriteria): number {
  return (
    db
      .select({ n: count() })
      .from(creditNotes)
      .innerJoin(orders, eq(orders.id, creditNotes.orderId))
      .innerJoin(organisations, eq(organisations.id, creditNotes.buyerId))
      .where(creditNoteWhere(actor, criteria))
      .get()?.n ?? 0
  );
}

export function searchCreditNotes(db: DbOrTx, actor: Actor, criteria: CreditNoteCriteria, sort: { key: CreditNoteSort; dir: SortDirection }, window: ListWindow) {
  return db
    .select({ note: creditNotes, orderReference: orders.reference, buyerName: organisations.name })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .innerJoin(organisations, eq(organisations.id, creditNotes.buyerId))
    .where(creditNoteWhere(actor, criteria))
    .orderBy(orderByFor(CREDIT_NOTE_SORTS, sort, creditNotes.number))
    .limit(window.limit)
    .offset(window.offset)
    .all();
}
