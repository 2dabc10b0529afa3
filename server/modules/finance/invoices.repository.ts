import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { invoices, orders } from '../../../db/schema/orders.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { inDateMonth, orderByFor, searchCondition } from '../../shared/list-sql.repository.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
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

/** Same scope as `findInvoiceFor`: a buyer reads its own invoices, never the State's claims. */
function invoiceWhere(actor: Actor, criteria: InvoiceCriteria) {
  return and(
    isOperator(actor) ? undefined : and(eq(invoices.buyerId, actor.organisationId), eq(invoices.party, 'buyer')),
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

export function countInvoiceSearch(db: DbOrTx, actor: Actor, criteria: InvoiceCriteria): number {
  return (
    db
      .select({ n: count() })
      .from(invoices)
      .innerJoin(orders, eq(orders.id, invoices.orderId))
      .innerJoin(organisations, eq(organisations.id, invoices.buyerId))
      .where(invoiceWhere(actor, criteria))
      .get()?.n ?? 0
  );
}

export function searchInvoices(db: DbOrTx, actor: Actor, criteria: InvoiceCriteria, sort: { key: InvoiceSort; dir: SortDirection }, window: ListWindow) {
  return base(db)
    .where(invoiceWhere(actor, criteria))
    .orderBy(orderByFor(INVOICE_SORTS, sort, invoices.number))
    .limit(window.limit)
    .offset(window.offset)
    .all();
}
