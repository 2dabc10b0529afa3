import { applyBasisPoints } from '../../shared/money.ts';
import type { BuyerType } from '../../../db/schema/accounts.ts';

/**
 * The money rules of an order, with no I/O: totals, operator fee and VAT, and the State's share
 * under a co-financing programme (domain.md rules 1 and 2). Every amount is integer cents.
 */

export const VAT_RATE_BASIS_POINTS = 2000; // 20 % on the operator fee; pass face value carries no VAT

export interface OrderQuantities {
  bookletCount: number;
  passesPerBooklet: number;
  faceValueCents: number;
}

export interface ProgramTerms {
  id: string;
  name: string;
  rateBasisPoints: number;
  eligibleBuyerTypes: BuyerType[];
  envelopeCents: number;
  committedCents: number;
  minOrderCents: number | null;
  perBuyerCapCents: number | null;
  startsOn: string;
  endsOn: string;
  status: 'open' | 'closed';
}

export type CofinancingRefusal =
  | { condition: 'program_closed'; message: string }
  | { condition: 'buyer_type'; message: string }
  | { condition: 'dates'; message: string }
  | { condition: 'minimum_order'; message: string };

export interface Quote {
  passCount: number;
  totalCents: number;
  feeBasisPoints: number;
  feeCents: number;
  vatCents: number;
  stateShareCents: number;
  buyerShareCents: number;
  /** What the buyer's invoice asks for: its share of the passes plus the fee and its VAT. */
  buyerInvoiceTotalCents: number;
  /** The uncapped State share, so a quote can say how much a cap took away. */
  uncappedStateShareCents: number;
  cappedBy: 'envelope' | 'buyer_cap' | null;
}

export function totalOf(q: OrderQuantities): number {
  return q.bookletCount * q.passesPerBooklet * q.faceValueCents;
}

/** VAT rounded half up to the cent, as on an invoice line. */
export function vatOn(amountCents: number): number {
  return Math.floor((amountCents * VAT_RATE_BASIS_POINTS + 5000) / 10000);
}

/** Why a programme does not apply to this order, or null when it does. Conditions are checked in a fixed order. */
export function cofinancingRefusal(
  program: ProgramTerms,
  buyerType: BuyerType | null,
  orderDate: string,
  totalCents: number,
): CofinancingRefusal | null {
  if (program.status !== 'open') return { condition: 'program_closed', message: `Le programme « ${program.name} » est clos.` };
  if (!buyerType || !program.eligibleBuyerTypes.includes(buyerType)) {
    return { condition: 'buyer_type', message: `Votre type d’organisation n’est pas éligible au programme « ${program.name} ».` };
  }
  if (orderDate < program.startsOn || orderDate > program.endsOn) {
    return {
      condition: 'dates',
      message: `Le programme « ${program.name} » ne s’applique qu’aux commandes passées du ${program.startsOn} au ${program.endsOn}.`,
    };
  }
  if (program.minOrderCents !== null && totalCents < program.minOrderCents) {
    return {
      condition: 'minimum_order',
      message: `Le programme « ${program.name} » exige une commande d’au moins ${(program.minOrderCents / 100).toLocaleString('fr-FR')} €.`,
    };
  }
  return null;
}

/**
 * The quote of an order. With a programme, the State share is floor(total × rate / 10 000), capped by
 * what remains of the envelope and of the buyer's own cap; the buyer pays the rest.
 */
export function computeQuote(input: {
  quantities: OrderQuantities;
  feeBasisPoints: number;
  program?: { terms: ProgramTerms; committedForBuyerCents: number } | null;
}): Quote {
  const totalCents = totalOf(input.quantities);
  const feeCents = applyBasisPoints(totalCents, input.feeBasisPoints);
  const vatCents = vatOn(feeCents);
  let stateShareCents = 0;
  let uncappedStateShareCents = 0;
  let cappedBy: Quote['cappedBy'] = null;
  if (input.program) {
    const { terms, committedForBuyerCents } = input.program;
    uncappedStateShareCents = applyBasisPoints(totalCents, terms.rateBasisPoints);
    stateShareCents = uncappedStateShareCents;
    const envelopeLeft = Math.max(0, terms.envelopeCents - terms.committedCents);
    if (stateShareCents > envelopeLeft) {
      stateShareCents = envelopeLeft;
      cappedBy = 'envelope';
    }
    if (terms.perBuyerCapCents !== null) {
      const buyerLeft = Math.max(0, terms.perBuyerCapCents - committedForBuyerCents);
      if (stateShareCents > buyerLeft) {
        stateShareCents = buyerLeft;
        cappedBy = 'buyer_cap';
      }
    }
  }
  const buyerShareCents = totalCents - stateShareCents;
  return {
    passCount: input.quantities.bookletCount * input.quantities.passesPerBooklet,
    totalCents,
    feeBasisPoints: input.feeBasisPoints,
    feeCents,
    vatCents,
    stateShareCents,
    buyerShareCents,
    buyerInvoiceTotalCents: buyerShareCents + feeCents + vatCents,
    uncappedStateShareCents,
    cappedBy,
  };
}
