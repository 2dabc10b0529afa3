/**
 * Whether a pass can be redeemed today, and if not why, in the stable codes of the API contract.
 * Pure: the lookup (`GET /passes/{code}`), the public pass page and redemption share it, so a place
 * is never told "usable" by one and refused by the other.
 */
import type { PassStatus } from '../../../db/schema/booklets.ts';
import { addDays } from '../../shared/paris-time.ts';

export const PASS_REFUSALS = ['pass_not_distributed', 'pass_blocked', 'pass_already_redeemed', 'pass_expired', 'pass_not_valid_yet'] as const;
export type PassRefusal = (typeof PASS_REFUSALS)[number];

export interface PassTerms {
  status: PassStatus;
  /** YYYY-MM-DD, from the order. */
  validFrom: string;
  /** YYYY-MM-DD, from the order: the date printed on the pass. */
  validUntil: string;
}

export type Redeemability = { redeemable: true } | { redeemable: false; reason: PassRefusal };

/** Last Paris day a distributed pass is still accepted: the printed end of validity plus the grace period (domain rule 4). */
export function lastRedeemableDay(validUntil: string, gracePeriodDays: number): string {
  return addDays(validUntil, gracePeriodDays);
}

/** `today` is the Paris calendar date (YYYY-MM-DD) of the attempt. */
export function passRedeemability(pass: PassTerms, today: string, gracePeriodDays: number): Redeemability {
  // The status says the most about what the holder should do, so it wins over the dates.
  switch (pass.status) {
    case 'issued':
      return { redeemable: false, reason: 'pass_not_distributed' };
    case 'blocked':
      return { redeemable: false, reason: 'pass_blocked' };
    case 'redeemed':
    case 'reimbursed':
      return { redeemable: false, reason: 'pass_already_redeemed' };
    case 'expired':
      return { redeemable: false, reason: 'pass_expired' };
    case 'active':
      break;
  }
  if (today < pass.validFrom) return { redeemable: false, reason: 'pass_not_valid_yet' };
  if (today > lastRedeemableDay(pass.validUntil, gracePeriodDays)) return { redeemable: false, reason: 'pass_expired' };
  return { redeemable: true };
}

/** What a place agent or a beneficiary reads for each refusal. */
export const PASS_REFUSAL_MESSAGES: Record<PassRefusal, string> = {
  pass_not_distributed: 'Ce pass n’a pas encore été remis à un bénéficiaire : il n’est pas encore utilisable.',
  pass_blocked: 'Ce pass est bloqué : son carnet a été déclaré perdu ou volé.',
  pass_already_redeemed: 'Ce pass a déjà été utilisé.',
  pass_expired: 'Ce pass a expiré : sa date de validité est dépassée.',
  pass_not_valid_yet: 'Ce pass n’est pas encore valable : sa période de validité n’a pas commencé.',
};
