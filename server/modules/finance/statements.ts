import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';
import { euroCell, toCsv } from '../../shared/csv.ts';
import { formatFrenchDateTime } from '../../shared/paris-time.ts';
import { notFound } from '../../shared/problem.ts';
import { maskIban } from '../../shared/bank.ts';
import { maskPassCode } from '../booklets/pass-code.ts';
import type { StatementPrintData } from '../../../templates/pdf/statement.ts';

// Only the last four characters of a pass code are shown on statements (the rule lives with the codes).
export { maskPassCode };

export interface StatementLine {
  redeemedAt: string;
  code: string;
  siteName: string;
  service: string | null;
  amountCents: number;
}

/** The payouts a place can see (its statements), newest first; not those of a batch still being built. */
export function statementsOf(db: DbOrTx, placeId: string) {
  return db
    .select({ payout: payouts, period: reimbursementBatches.period, batchStatus: reimbursementBatches.status, executionDate: reimbursementBatches.requestedExecutionDate, paidOn: reimbursementBatches.paidOn })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .where(and(eq(payouts.placeId, placeId), ne(reimbursementBatches.status, 'building')))
    .orderBy(desc(reimbursementBatches.period))
    .all();
}

/** The statement of a place for a month: its payout in that month's batch (the one not rejected, if any). */
export function statementFor(db: DbOrTx, placeId: string, period: string): { data: StatementPrintData; lines: StatementLine[] } {
  const found = db
    .select({ payout: payouts, batch: reimbursementBatches, place: organisations })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .innerJoin(organisations, eq(organisations.id, payouts.placeId))
    .where(and(eq(payouts.placeId, placeId), eq(reimbursementBatches.period, period), ne(reimbursementBatches.status, 'building')))
    .orderBy(sql`${payouts.status} = 'rejected'`)
    .get();
  if (!found) throw notFound('statement_not_found', `Aucun relevé pour ${period} : aucun remboursement n’a été préparé pour ce mois.`);
  const { payout, batch, place } = found;
  const lines = db
    .all<{ redeemed_at: string; code: string; site_name: string; service: string | null; amount_cents: number }>(sql`
      SELECT r.redeemed_at, p.code, s.name AS site_name, r.service, l.amount_cents
      FROM payout_lines pl
      JOIN reimbursement_lines l ON l.id = pl.line_id
      JOIN redemptions r ON r.id = l.redemption_id
      JOIN passes p ON p.id = r.pass_id
      JOIN place_sites s ON s.id = r.site_id
      WHERE pl.payout_id = ${payout.id}
      ORDER BY r.redeemed_at, p.code`)
    .map((r) => ({ redeemedAt: r.redeemed_at, code: r.code, siteName: r.site_name, service: r.service, amountCents: r.amount_cents }));
  const operator = db.select().from(organisations).where(eq(organisations.kind, 'operator')).get();
  return {
    lines,
    data: {
      reference: payout.reference,
      period,
      placeName: place.name,
      placeAddress: place.address,
      placeSiret: place.siret,
      operatorName: operator?.name ?? 'Opérateur du Pass numérique',
      ibanMasked: maskIban(payout.iban),
      status: payout.status,
      rejectionReason: payout.rejectionReason,
      expectedPaymentDate: batch.paidOn ?? batch.requestedExecutionDate,
      totalCents: payout.amountCents,
      lines: lines.map((l) => ({ ...l, code: maskPassCode(l.code) })),
    },
  };
}

export function statementCsv(lines: StatementLine[]): string {
  return toCsv(
    ['Date', 'Pass', 'Lieu d’accueil', 'Service', 'Montant (€)'],
    lines.map((l) => [formatFrenchDateTime(l.redeemedAt), maskPassCode(l.code), l.siteName, l.service ?? '', euroCell(l.amountCents)]),
  );
}

/** Payout counts of the place in batches other than a given one, for "other statements" links. */
export function otherPeriods(db: DbOrTx, placeId: string, period: string): string[] {
  return db
    .selectDistinct({ period: reimbursementBatches.period })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .where(and(eq(payouts.placeId, placeId), ne(reimbursementBatches.period, period)))
    .orderBy(asc(reimbursementBatches.period))
    .all()
    .map((r) => r.period);
}
