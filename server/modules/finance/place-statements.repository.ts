/**
 * What finance shows about one place: its payouts as statements (statements.ts) and what it was
 * paid in a civil year (attestations.ts). Every read is limited to the place asked for.
 */
import { and, asc, desc, eq, like, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';

/** The payouts a place can see (its statements), newest first; not those of a batch still being built. */
export function payoutsVisibleToPlace(db: DbOrTx, placeId: string) {
  return db
    .select({ payout: payouts, period: reimbursementBatches.period, batchStatus: reimbursementBatches.status, executionDate: reimbursementBatches.requestedExecutionDate, paidOn: reimbursementBatches.paidOn })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .where(and(eq(payouts.placeId, placeId), ne(reimbursementBatches.status, 'building')))
    .orderBy(desc(reimbursementBatches.period))
    .all();
}

/** The place's payout in the batch of `period` (the one not rejected first, if any), with its batch and the place. */
export function placePayoutOfPeriod(db: DbOrTx, placeId: string, period: string) {
  return db
    .select({ payout: payouts, batch: reimbursementBatches, place: organisations })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .innerJoin(organisations, eq(organisations.id, payouts.placeId))
    .where(and(eq(payouts.placeId, placeId), eq(reimbursementBatches.period, period), ne(reimbursementBatches.status, 'building')))
    .orderBy(sql`${payouts.status} = 'rejected'`)
    .get();
}

/** The redemptions of every line linked to a payout, by time of use then pass code. */
export function redemptionsOfPayout(db: DbOrTx, payoutId: string) {
  return db.all<{ redeemed_at: string; code: string; site_name: string; service: string | null; amount_cents: number }>(sql`
      SELECT r.redeemed_at, p.code, s.name AS site_name, r.service, l.amount_cents
      FROM payout_lines pl
      JOIN reimbursement_lines l ON l.id = pl.line_id
      JOIN redemptions r ON r.id = l.redemption_id
      JOIN passes p ON p.id = r.pass_id
      JOIN place_sites s ON s.id = r.site_id
      WHERE pl.payout_id = ${payoutId}
      ORDER BY r.redeemed_at, p.code`);
}

/** The months of the place's payouts other than `period`, in order. */
export function payoutPeriodsOfPlaceOtherThan(db: DbOrTx, placeId: string, period: string): string[] {
  return db
    .selectDistinct({ period: reimbursementBatches.period })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .where(and(eq(payouts.placeId, placeId), ne(reimbursementBatches.period, period)))
    .orderBy(asc(reimbursementBatches.period))
    .all()
    .map((r) => r.period);
}

/** The place organisation, or undefined when `placeId` is not a place. */
export function findPlaceOrganisation(db: DbOrTx, placeId: string) {
  return db
    .select()
    .from(organisations)
    .where(and(eq(organisations.id, placeId), eq(organisations.kind, 'place')))
    .get();
}

/** The places finance can issue an attestation for: every place organisation, by name. */
export function attestablePlaces(db: DbOrTx): { id: string; name: string }[] {
  return db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.kind, 'place')).orderBy(asc(organisations.name)).all();
}

/** The place's payouts still paid whose execution date falls in `year`, by date then reference. */
export function paidPayoutsOfPlaceInYear(db: DbOrTx, placeId: string, year: number) {
  return db
    .select({ reference: payouts.reference, paidOn: payouts.paidOn, period: reimbursementBatches.period, passCount: payouts.lineCount, amountCents: payouts.amountCents })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .where(and(eq(payouts.placeId, placeId), eq(payouts.status, 'paid'), like(payouts.paidOn, `${year}-%`)))
    .orderBy(asc(payouts.paidOn), asc(payouts.reference))
    .all();
}
