import { and, asc, eq, like } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';
import { notFound, unprocessable } from '../../shared/problem.ts';
import { splitFrenchAddress, type PostalAddress } from './finance-document.ts';

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

/** The attestation of a place for a civil year that has begun by `issuedOn`. */
export function placeAttestation(db: DbOrTx, input: { placeId: string; year: number; issuedOn: string }): PlaceAttestation {
  const place = findPlaceOrganisation(db, input.placeId);
  if (!place) throw notFound('place_not_found', 'Lieu introuvable.');
  if (String(input.year) > input.issuedOn.slice(0, 4)) {
    throw unprocessable('attestation_year_not_started', `L’année ${input.year} n’a pas commencé : choisissez une année écoulée ou l’année en cours.`);
  }
  const operator = db.select().from(organisations).where(eq(organisations.kind, 'operator')).get();
  const paid = db
    .select({ reference: payouts.reference, paidOn: payouts.paidOn, period: reimbursementBatches.period, passCount: payouts.lineCount, amountCents: payouts.amountCents })
    .from(payouts)
    .innerJoin(reimbursementBatches, eq(reimbursementBatches.id, payouts.batchId))
    .where(and(eq(payouts.placeId, place.id), eq(payouts.status, 'paid'), like(payouts.paidOn, `${input.year}-%`)))
    .orderBy(asc(payouts.paidOn), asc(payouts.reference))
    .all()
    .map((p) => ({ ...p, paidOn: p.paidOn! }));
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
