import type { DbOrTx } from '../../../db/client.ts';
import { euroCell, toCsv } from '../../shared/csv.ts';
import { formatFrenchDateTime } from '../../shared/paris-time.ts';
import { statementNotFound } from './reimbursement.errors.ts';
import { maskIban } from '../../shared/bank.ts';
import { maskPassCode } from '../booklets/pass-code.ts';
import type { StatementPrintData } from '../../../templates/pdf/statement.ts';
import { findOperatorOrganisation } from '../accounts/credentials.repository.ts';
import { payoutPeriodsOfPlaceOtherThan, payoutsVisibleToPlace, placePayoutOfPeriod, redemptionsOfPayout } from './place-statements.repository.ts';

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
  return payoutsVisibleToPlace(db, placeId);
}

/** The statement of a place for a month: its payout in that month's batch (the one not rejected, if any). */
export function statementFor(db: DbOrTx, placeId: string, period: string): { data: StatementPrintData; lines: StatementLine[] } {
  const found = placePayoutOfPeriod(db, placeId, period);
  if (!found) throw statementNotFound(period);
  const { payout, batch, place } = found;
  const lines = redemptionsOfPayout(db, payout.id).map((r) => ({ redeemedAt: r.redeemed_at, code: r.code, siteName: r.site_name, service: r.service, amountCents: r.amount_cents }));
  const operator = findOperatorOrganisation(db);
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
  return payoutPeriodsOfPlaceOtherThan(db, placeId, period);
}
