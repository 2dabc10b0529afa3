/**
 * The payouts of one reimbursement batch (/finances/remboursements/:id), as a list finance can work
 * with (issue 16): a batch of a large month holds some 2 000 places. Search by place name, RB-
 * reference or SIRET, a payout status filter, a sort. Batches are the operator's own: only finance
 * reads them, so the batch is the only scope.
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { payouts, type PayoutStatus } from '../../../db/schema/reimbursement.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';

export const BATCH_PAYOUT_SORTS = { lieu: organisations.name, montant: payouts.amountCents, pass: payouts.lineCount } as const;
export type BatchPayoutSort = keyof typeof BATCH_PAYOUT_SORTS;

export interface BatchPayoutCriteria {
  q: string;
  status?: PayoutStatus;
}

const matchingPayouts = (db: DbOrTx, batchId: string, criteria: BatchPayoutCriteria) =>
  db
    .select({ payout: payouts, placeName: organisations.name, placeSiret: organisations.siret })
    .from(payouts)
    .innerJoin(organisations, eq(organisations.id, payouts.placeId))
    .where(
      and(
        eq(payouts.batchId, batchId),
        criteria.status ? eq(payouts.status, criteria.status) : undefined,
        searchCondition(criteria.q, [organisations.name, payouts.reference, organisations.siret]),
      ),
    )
    .$dynamic();

export type BatchPayoutListRow = ReturnType<ReturnType<typeof matchingPayouts>['all']>[number];

export function countBatchPayoutSearch(db: DbOrTx, batchId: string, criteria: BatchPayoutCriteria): number {
  return countMatching(db, matchingPayouts(db, batchId, criteria));
}

/** One page of the batch's payouts; the RB- reference (unique) breaks ties between equal places or amounts. */
export function searchBatchPayouts(db: DbOrTx, batchId: string, criteria: BatchPayoutCriteria, sort: { key: BatchPayoutSort; dir: SortDirection }, window: ListWindow): BatchPayoutListRow[] {
  return readWindow(matchingPayouts(db, batchId, criteria), orderByFor(BATCH_PAYOUT_SORTS, sort, payouts.reference), window);
}
