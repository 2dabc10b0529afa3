import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { invoices, orders, payments } from '../../../db/schema/orders.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, inDateMonth, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { chorusDepositCondition } from './chorus-pro.repository.ts';

export const INVOICE_SORTS = { date: invoices.issuedOn, numero: invoices.number, commanditaire: organisations.name, total: invoices.totalCents, echeance: invoices.dueOn } as const;
export type InvoiceSort = keyof typeof INVOICE_SORTS;

/**
 * What narrows the invoices list. Filters are plain optional conditions, so a new one (a Chorus
 * Pro deposit status) is one more field here and one more line in `invoiceWhere`.
 */
export interface InvoiceCriteria {
  q: string;
  status?: 'unpaid' | 'partially_paid' | 'paid';
  party?: 'buyer' | 'state';
  /** Month of issue, "2026-11". */
  month?: string;
  /** Chorus Pro deposit: still to deposit, or deposited (documents of private buyers are neither). */
  chorus?: 'pending' | 'deposited';
}

/** `goesThroughChorusPro` in SQL: every call for funds, and the invoices of buyers that are not private. */
const invoiceGoesThroughChorusPro = sql`(${invoices.party} = 'state' OR ${organisations.buyerType} IS NOT 'private')`;

const STATUS_CONDITIONS: Record<NonNullable<InvoiceCriteria['status']>, SQL> = {
  unpaid: sql`${invoices.paidCents} = 0`,
  partially_paid: sql`${invoices.paidCents} > 0 AND ${invoices.paidCents} < ${invoices.totalCents}`,
  paid: sql`${invoices.paidCents} > 0 AND ${invoices.paidCents} >= ${invoices.totalCents}`,
};

export type InvoiceRow = typeof invoices.$inferSelect;
export type PaymentRow = typeof payments.$inferInsert;

/**
 * Invoices the actor may see: the operator sees all; a buyer sees its own invoices (not the State's
 * claims on the programme, which are between the operator and the State).
 */
function invoiceScope(actor: Actor) {
  return isOperator(actor) ? undefined : and(eq(invoices.buyerId, actor.organisationId), eq(invoices.party, 'buyer'));
}

function invoiceWhere(actor: Actor, criteria: InvoiceCriteria) {
  return and(
    invoiceScope(actor),
    criteria.status ? STATUS_CONDITIONS[criteria.status] : undefined,
    criteria.party ? eq(invoices.party, criteria.party) : undefined,
    criteria.month ? inDateMonth(invoices.issuedOn, criteria.month) : undefined,
    criteria.chorus ? chorusDepositCondition('invoice', invoices.id, invoiceGoesThroughChorusPro, criteria.chorus) : undefined,
    searchCondition(criteria.q, [invoices.number, orders.reference, organisations.name]),
  );
}

const base = (db: DbOrTx) =>
  db
    .select({ invoice: invoices, orderReference: orders.reference, buyerName: organisations.name, buyerType: organisations.buyerType })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(organisations, eq(organisations.id, invoices.buyerId));

const matchingInvoices = (db: DbOrTx, actor: Actor, criteria: InvoiceCriteria) => base(db).where(invoiceWhere(actor, criteria)).$dynamic();

export function countInvoiceSearch(db: DbOrTx, actor: Actor, criteria: InvoiceCriteria): number {
  return countMatching(db, matchingInvoices(db, actor, criteria));
}

export function searchInvoices(db: DbOrTx, actor: Actor, criteria: InvoiceCriteria, sort: { key: InvoiceSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingInvoices(db, actor, criteria), orderByFor(INVOICE_SORTS, sort, invoices.number), window);
}

/** The invoices of the API's keyset list (by number), one more than `limit` to tell whether a next page exists. */
export function listInvoices(db: DbOrTx, actor: Actor, filter: { orderId?: string; limit: number; afterNumber?: string }) {
  return db
    .select({ invoice: invoices, orderReference: orders.reference, buyerType: organisations.buyerType })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(organisations, eq(organisations.id, invoices.buyerId))
    .where(
      and(
        invoiceScope(actor),
        filter.orderId ? eq(invoices.orderId, filter.orderId) : undefined,
        filter.afterNumber ? sql`${invoices.number} > ${filter.afterNumber}` : undefined,
      ),
    )
    .orderBy(asc(invoices.number))
    .limit(filter.limit + 1)
    .all();
}

/** One invoice with its order and buyer, under the caller's condition. */
function invoiceWithOrderAndBuyerWhere(db: DbOrTx, condition: SQL | undefined) {
  return db
    .select({ invoice: invoices, order: orders, buyer: organisations })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(organisations, eq(organisations.id, invoices.buyerId))
    .where(condition)
    .get();
}

/** The invoice with its order and buyer, or undefined when it does not exist or is not the actor's. */
export const findInvoiceFor = (db: DbOrTx, actor: Actor, invoiceId: string) => invoiceWithOrderAndBuyerWhere(db, and(eq(invoices.id, invoiceId), invoiceScope(actor)));

/** The same, unscoped: for the operator's own work over every organisation (the Factur-X archive). */
export const invoiceWithOrderAndBuyer = (db: DbOrTx, invoiceId: string) => invoiceWithOrderAndBuyerWhere(db, eq(invoices.id, invoiceId));

/** The payments of an invoice the caller has already found in its scope, oldest first. */
export function paymentsOfInvoice(db: DbOrTx, invoiceId: string) {
  return db.select().from(payments).where(eq(payments.invoiceId, invoiceId)).orderBy(asc(payments.receivedOn), asc(payments.createdAt)).all();
}

/**
 * Adds a payment to what the invoice has received, only if it stays within the total: one
 * conditional UPDATE decides, so two concurrent payments cannot overpay. False when it would not.
 */
export function addToPaidIfWithinTotal(tx: DbOrTx, invoiceId: string, amountCents: number): boolean {
  const updated = tx
    .update(invoices)
    .set({ paidCents: sql`${invoices.paidCents} + ${amountCents}` })
    .where(and(eq(invoices.id, invoiceId), sql`${invoices.paidCents} + ${amountCents} <= ${invoices.totalCents}`))
    .run();
  return updated.changes === 1;
}

export function insertPayment(tx: DbOrTx, row: PaymentRow): void {
  tx.insert(payments).values(row).run();
}
