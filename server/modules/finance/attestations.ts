import type { DbOrTx } from '../../../db/client.ts';
import type { organisations } from '../../../db/schema/accounts.ts';
import { placeNotFound } from '../places/places.errors.ts';
import { attestationYearNotStarted } from './finance.errors.ts';
import { findOperatorOrganisation } from '../accounts/credentials.repository.ts';
import { splitFrenchAddress, type PostalAddress } from './finance-document.ts';
import { findPlaceOrganisation, paidPayoutsOfPlaceInYear } from './place-statements.repository.ts';

export { attestablePlaces, findPlaceOrganisation } from './place-statements.repository.ts';

/**
 * The yearly attestation of the counter-payments a place received, for its public accountant:
 * what the operator paid it in a civil year, month by month. A payout counts in the month the bank
 * executed it (payouts.paid_on, a Europe/Paris date) and only while it stays paid: a transfer the
 * bank returned is rejected and out. Amounts are the payouts' own, as the journal debited them.
 */
export interface AttestationParty {
  name: string;
  siret: string | null;
  address: PostalAddress;
}

export interface PlaceAttestation {
  year: number;
  /** Europe/Paris date the attestation is issued on. */
  issuedOn: string;
  /** Last day counted: 31 December, or the issue date for the year under way. */
  periodEnd: string;
  issuer: AttestationParty;
  place: AttestationParty;
  /** Twelve months, January first, each with what was paid in it (0 when nothing). */
  months: { month: string; passCount: number; amountCents: number }[];
  totalPassCount: number;
  totalCents: number;
  payouts: { reference: string; paidOn: string; period: string; passCount: number; amountCents: number }[];
}

export const ATTESTATION_FIRST_YEAR = 2020;

/** The years a place can ask an attestation for: the year under way and the five before, newest first. */
export const attestationYears = (today: string): number[] => {
  const year = Number(today.slice(0, 4));
  return Array.from({ length: 6 }, (_, i) => year - i).filter((y) => y >= ATTESTATION_FIRST_YEAR);
};

const partyOf = (org: typeof organisations.$inferSelect): AttestationParty => ({ name: org.name, siret: org.siret, address: splitFrenchAddress(org.address) });

/** The attestation of a place for a civil year that has begun by `issuedOn`. */
export function placeAttestation(db: DbOrTx, input: { placeId: string; year: number; issuedOn: string }): PlaceAttestation {
  const place = findPlaceOrganisation(db, input.placeId);
  if (!place) throw placeNotFound();
  if (String(input.year) > input.issuedOn.slice(0, 4)) {
    throw attestationYearNotStarted(input.year);
  }
  const operator = findOperatorOrganisation(db);
  const paid = paidPayoutsOfPlaceInYear(db, place.id, input.year).map((p) => ({ ...p, paidOn: p.paidOn! }));
  const months = Array.from({ length: 12 }, (_, i) => {
    const month = `${input.year}-${String(i + 1).padStart(2, '0')}`;
    const inMonth = paid.filter((p) => p.paidOn.startsWith(month));
    return { month, passCount: inMonth.reduce((n, p) => n + p.passCount, 0), amountCents: inMonth.reduce((n, p) => n + p.amountCents, 0) };
  });
  return {
    year: input.year,
    issuedOn: input.issuedOn,
    periodEnd: input.issuedOn < `${input.year}-12-31` ? input.issuedOn : `${input.year}-12-31`,
    issuer: operator ? partyOf(operator) : { name: 'Opérateur du Pass numérique', siret: null, address: splitFrenchAddress(null) },
    place: partyOf(place),
    months,
    totalPassCount: months.reduce((n, m) => n + m.passCount, 0),
    totalCents: months.reduce((n, m) => n + m.amountCents, 0),
    payouts: paid,
  };
}
