import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { connectionOf, type DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { creditNotes } from '../../../db/schema/credit-notes.ts';
import { invoices, orders, type InvoiceParty } from '../../../db/schema/orders.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, inDateMonth, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { chorusDepositCondition } from './chorus-pro.repository.ts';

/**
 * The credit notes the actor may read: every one for the operator; for a buyer, the notes addressed
 * to it (the State's notes are between the operator and the State, like its calls for funds).
 */
const readableBy = (actor: Actor) => (isOperator(actor) ? undefined : and(eq(creditNotes.buyerId, actor.organisationId), eq(creditNotes.party, 'buyer')));

export type CreditNoteInsert = typeof creditNotes.$inferInsert;

export function insertCreditNote(db: DbOrTx, row: CreditNoteInsert): void {
  db.insert(creditNotes).values(row).run();
}

/** Each expired pass in exactly one credit note: the unique index on pass_id refuses a second link. */
export function linkExpiredPasses(db: DbOrTx, creditNoteId: string, passIds: number[]): void {
  const link = connectionOf(db).prepare('INSERT INTO credit_note_passes (credit_note_id, pass_id) VALUES (?, ?)');
  for (const passId of passIds) link.run(creditNoteId, passId);
}

/** The order's invoices by party: the buyer's invoice and the State's call for funds, each when issued. */
export function invoicesOfOrder(db: DbOrTx, orderId: string): Partial<Record<InvoiceParty, typeof invoices.$inferSelect>> {
  const rows = db.select().from(invoices).where(eq(invoices.orderId, orderId)).all();
  return Object.fromEntries(rows.map((row) => [row.party, row]));
}

/** The invoice a credit note corrects, for its BT-25. */
export function findInvoiceById(db: DbOrTx, invoiceId: string) {
  return db.select().from(invoices).where(eq(invoices.id, invoiceId)).get();
}

/**
 * The credit notes the actor may read, with their order's reference, by number oldest first: the
 * API and its CSV. The page reads `searchCreditNotes` below, under the same `readableBy` scope.
 */
export function listCreditNotes(db: DbOrTx, actor: Actor, filter: { orderId?: string } = {}) {
  return db
    .select({ note: creditNotes, orderReference: orders.reference })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .where(and(readableBy(actor), filter.orderId ? eq(creditNotes.orderId, filter.orderId) : undefined))
    .orderBy(asc(creditNotes.number))
    .all();
}

/** One credit note with its order and buyer, under the caller's condition. */
function creditNoteWithOrderAndBuyerWhere(db: DbOrTx, condition: SQL | undefined) {
  return db
    .select({ note: creditNotes, order: orders, buyer: organisations })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .innerJoin(organisations, eq(organisations.id, creditNotes.buyerId))
    .where(condition)
    .get();
}

/** One credit note with its order and buyer, or undefined when it does not exist or is not the actor's. */
export const findCreditNoteFor = (db: DbOrTx, actor: Actor, creditNoteId: string) =>
  creditNoteWithOrderAndBuyerWhere(db, and(eq(creditNotes.id, creditNoteId), readableBy(actor)));

/** The same, unscoped: for the operator's own work over every organisation (the Factur-X archive). */
export const creditNoteWithOrderAndBuyer = (db: DbOrTx, creditNoteId: string) => creditNoteWithOrderAndBuyerWhere(db, eq(creditNotes.id, creditNoteId));

export const CREDIT_NOTE_SORTS = { date: creditNotes.issuedOn, numero: creditNotes.number, commanditaire: organisations.name, montant: creditNotes.totalCents } as const;
export type CreditNoteSort = keyof typeof CREDIT_NOTE_SORTS;

export interface CreditNoteCriteria {
  q: string;
  /** Month of issue, "2026-11". */
  month?: string;
  /** Chorus Pro deposit: still to deposit, or deposited (notes of private buyers are neither). */
  chorus?: 'pending' | 'deposited';
}

/**
 * `goesThroughChorusPro` in SQL, as the credit note's detail page reads it: the note's recipient is
 * public, i.e. it is the State's note (to the programme's payer), or the buyer's note of a buyer
 * that is not private.
 */
const creditNoteGoesThroughChorusPro = sql`(${creditNotes.party} = 'state' OR ${organisations.buyerType} IS NOT 'private')`;

function creditNoteWhere(actor: Actor, criteria: CreditNoteCriteria) {
  return and(
    readableBy(actor),
    criteria.month ? inDateMonth(creditNotes.issuedOn, criteria.month) : undefined,
    criteria.chorus ? chorusDepositCondition('credit_note', creditNotes.id, creditNoteGoesThroughChorusPro, criteria.chorus) : undefined,
    searchCondition(criteria.q, [creditNotes.number, orders.reference, organisations.name]),
  );
}

const matchingCreditNotes = (db: DbOrTx, actor: Actor, criteria: CreditNoteCriteria) =>
  db
    .select({ note: creditNotes, orderReference: orders.reference, buyerName: organisations.name, buyerType: organisations.buyerType })
    .from(creditNotes)
    .innerJoin(orders, eq(orders.id, creditNotes.orderId))
    .innerJoin(organisations, eq(organisations.id, creditNotes.buyerId))
    .where(creditNoteWhere(actor, criteria))
    .$dynamic();

export function countCreditNoteSearch(db: DbOrTx, actor: Actor, criteria: CreditNoteCriteria): number {
  return countMatching(db, matchingCreditNotes(db, actor, criteria));
}

export function searchCreditNotes(db: DbOrTx, actor: Actor, criteria: CreditNoteCriteria, sort: { key: CreditNoteSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingCreditNotes(db, actor, criteria), orderByFor(CREDIT_NOTE_SORTS, sort, creditNotes.number), window);
}
