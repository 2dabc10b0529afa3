/**
 * The reimbursement batches list of finance (/finances/remboursements): a search by RB- number (a
 * payout of the batch), SEPA message id, place name or month, a status and a month filter, a sort.
 * Batches are the operator's own: only finance reads them, so there is no organisation to scope by.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { payouts, reimbursementBatches, type BatchStatus } from '../../../db/schema/reimbursement.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
import type { BatchRow } from './reimbursement.repository.ts';

export const BATCH_SORTS = {
  mois: reimbursementBatches.period,
  montant: reimbursementBatches.totalCents,
  virements: reimbursementBatches.payoutCount,
  pass: reimbursementBatches.lineCount,
} as const;
export type BatchSort = keyof typeof BATCH_SORTS;

export interface BatchCriteria {
  q: string;
  status?: BatchStatus;
  /** The month the batch reimburses, "2026-11". */
  month?: string;
}

/** The RB- references and place names of the batch's payouts, as one searchable text. */
const payoutsText = sql`(SELECT group_concat(${payouts.reference} || ' ' || ${organisations.name}, ' ') FROM ${payouts} JOIN ${organisations} ON ${organisations.id} = ${payouts.placeId} WHERE ${payouts.batchId} = ${reimbursementBatches.id})`;

function batchWhere(criteria: BatchCriteria) {
  return and(
    criteria.status ? eq(reimbursementBatches.status, criteria.status) : undefined,
    criteria.month ? eq(reimbursementBatches.period, criteria.month) : undefined,
    searchCondition(criteria.q, [reimbursementBatches.period, reimbursementBatches.messageId, payoutsText]),
  );
}

const matchingBatches = (db: DbOrTx, criteria: BatchCriteria) => db.select().from(reimbursementBatches).where(batchWhere(criteria)).$dynamic();

export function countBatchSearch(db: DbOrTx, criteria: BatchCriteria): number {
  return countMatching(db, matchingBatches(db, criteria));
}

export function searchBatches(db: DbOrTx, criteria: BatchCriteria, sort: { key: BatchSort; dir: SortDirection }, window: ListWindow): BatchRow[] {
  return readWindow(matchingBatches(db, criteria), orderByFor(BATCH_SORTS, sort, reimbursementBatches.period), window);
}
