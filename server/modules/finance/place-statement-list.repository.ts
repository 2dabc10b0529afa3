/**
 * A place's statements list (/releves): its payouts, searched by RB- number or month, filtered by
 * where the transfer stands and by month, sorted. Every query is limited to the place asked for,
 * and hides the payouts of a batch still being built, like `payoutsVisibleToPlace`.
 */
import { and, eq, inArray, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';

export const PLACE_STATEMENT_SORTS = { mois: reimbursementBatches.period, montant: payouts.amountCents, pass: payouts.lineCount } as const;
export type PlaceStatementSort = keyof typeof PLACE_STATEMENT_SORTS;

/** Where the transfer stands: paid, rejected (taken again by the next batch), or still to come. */
export type TransferState = 'paid' | 'rejected' | 'upcoming';

export interface PlaceStatementCriteria {
  q: string;
  transfer?: TransferState;
  /** The month reimbursed, "2026-11". */
  month?: string;
}

const TRANSFER_CONDITIONS = {
  paid: eq(payouts.status, 'paid'),
  rejected: eq(payouts.status, 'rejected'),
  upcoming: inArray(payouts.status, ['pending', 'approved']),
} as const;

function statementWhere(placeId: string, criteria: PlaceStatementCriteria) {
  return and(
    eq(payouts.placeId, placeId),
    ne(reimbursementBatches.status, 'building'),
    criteria.transfer ? TRANSFER_CONDITIONS[criteria.transfer] : undefined,
    criteria.month ? eq(reimbursementBatches.period, criteria.month) : undefined,
    searchCondition(criteria.q, [payouts.reference, reimbursementBatches.period]),
  );
}

const matchingStatements = (db: DbOrTx, placeId: string, criteria: PlaceStatementCriteria) =>
  db
    .select({ payout: payouts, period: reimbursementBatches.period, executionDate: reimbursementBatches.requestedExecutionDate, batchPaidOn: reimbursementBatches.paidOn })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .where(statementWhere(placeId, criteria))
    .$dynamic();

export function countPlaceStatementSearch(db: DbOrTx, placeId: string, criteria: PlaceStatementCriteria): number {
  return countMatching(db, matchingStatements(db, placeId, criteria));
}

export function searchPlaceStatements(db: DbOrTx, placeId: string, criteria: PlaceStatementCriteria, sort: { key: PlaceStatementSort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingStatements(db, placeId, criteria), orderByFor(PLACE_STATEMENT_SORTS, sort, payouts.reference), window);
}
