/**
 * Can this pass be redeemed here, today? The one eligibility rule of a pass, in the order of issue 6
 * and with the stable codes of api.md, as a pure function owned by the booklets module (which owns
 * the pass lifecycle): redemption, the place's "Tester un pass" check, the pass lookup
 * (`GET /passes/{code}`) and the public pass page all call it, so no screen ever says "usable" where
 * the redemption would refuse, and every refusal reads the same wherever it is shown.
 *
 * The first check of the list (code well-formed and authentic) happens before any lookup, in the
 * caller, with `passCodes.verify`: a forged code never reaches the database, hence never this function.
 */
import type { BookletStatus, PassStatus } from '../../../db/schema/booklets.ts';
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';
import type { PlaceStatus } from '../../../db/schema/places.ts';
import { addDays, formatFrenchDate, formatFrenchDateTime } from '../../shared/paris-time.ts';

export const REDEMPTION_REFUSALS = [
  'pass_not_found',
  'pass_blocked',
  'pass_already_redeemed',
  'pass_not_distributed',
  'pass_not_valid_yet',
  'pass_expired',
  'place_not_labelled',
  'place_outside_territory',
  'service_not_offered',
  'service_not_allowed',
] as const;
export type RedemptionRefusal = (typeof REDEMPTION_REFUSALS)[number];

/**
 * The refusals of a lookup without a place or a site (`GET /passes/{code}`, the public pass page): the
 * pass exists (else 404) and the place, territory and service checks are skipped.
 */
export const PASS_REFUSALS = ['pass_blocked', 'pass_already_redeemed', 'pass_not_distributed', 'pass_not_valid_yet', 'pass_expired'] as const;
export type PassRefusal = (typeof PASS_REFUSALS)[number];
export const isPassRefusal = (code: RedemptionRefusal): code is PassRefusal => (PASS_REFUSALS as readonly string[]).includes(code);

/**
 * The same refusals as the holder of the pass reads them on the public pass page: the verdict's own
 * message speaks to the place's agent at the counter ("ne l’acceptez pas").
 */
export const HOLDER_MESSAGES: Record<PassRefusal, string> = {
  pass_blocked: 'Ce pass est bloqué : son carnet a été déclaré perdu ou volé. Adressez-vous à la structure qui vous l’a remis.',
  pass_already_redeemed: 'Ce pass a déjà été utilisé : un pass ne sert qu’une fois.',
  pass_not_distributed: 'Ce pass n’a pas encore été remis par une structure habilitée : il n’est pas encore utilisable.',
  pass_not_valid_yet: 'Ce pass n’est pas encore valable : sa période de validité n’a pas commencé.',
  pass_expired: 'Ce pass a expiré : sa date de validité est dépassée.',
};

export const REFUSAL_STATUS: Record<RedemptionRefusal, 404 | 409 | 422> = {
  pass_not_found: 404,
  pass_blocked: 422,
  pass_already_redeemed: 409,
  pass_not_distributed: 422,
  pass_not_valid_yet: 422,
  pass_expired: 422,
  place_not_labelled: 422,
  place_outside_territory: 422,
  service_not_offered: 422,
  service_not_allowed: 422,
};

/** Booklet statuses in which its passes have been handed to a beneficiary. */
const HANDED_OUT: readonly BookletStatus[] = ['distributed', 'started', 'used_up'];

export interface RedeemabilityInput {
  /** null when no pass has this (authentic) code. */
  pass: { status: PassStatus } | null;
  /** When the pass is redeemed: the instant of its live redemption, the only thing a refusal may say about it. */
  redeemedAt?: string | null;
  order: {
    validFrom: string;
    validUntil: string;
    fundedAt: string | null;
    territory: TerritoryRestrictionColumn | null;
    /** The services the buyer restricted the order to; null or absent: every service. */
    allowedServices?: readonly string[] | null;
  } | null;
  booklet: { status: BookletStatus } | null;
  /** The place asking; null for a lookup without a place (operator, public page): its checks are skipped. */
  place?: { status: PlaceStatus } | null;
  /** The site where the service was delivered; null skips the territory check (a lookup without a site). */
  site?: { communeCode: string; services?: readonly string[] } | null;
  /**
   * The service named at redemption (null: none named). Absent for a lookup or the "Tester un pass"
   * check, which do not know the service yet: the service checks are then skipped.
   */
  service?: string | null;
  /** Paris calendar date of the attempt, YYYY-MM-DD. */
  today: string;
  gracePeriodDays: number;
  territories: { isCommuneInTerritory(communeCode: string, territory: TerritoryRestrictionColumn | null): boolean };
}

export type RedeemabilityVerdict =
  | { redeemable: true }
  | { redeemable: false; status: 404 | 409 | 422; code: RedemptionRefusal; message: string; redeemedAt?: string };

/** Last Paris day a distributed pass is accepted: the printed end of validity plus the grace period (domain rule 4). */
export function lastAcceptedDay(validUntil: string, gracePeriodDays: number): string {
  return addDays(validUntil, gracePeriodDays);
}

const refuse = (code: RedemptionRefusal, message: string, extra: { redeemedAt?: string } = {}): RedeemabilityVerdict => ({
  redeemable: false,
  status: REFUSAL_STATUS[code],
  code,
  message,
  ...extra,
});

export function redeemability(input: RedeemabilityInput): RedeemabilityVerdict {
  const { pass, order, booklet, place, site, service, today, gracePeriodDays, territories } = input;
  if (!pass || !order || !booklet) {
    return refuse('pass_not_found', 'Pass introuvable : vérifiez le code saisi ou scannez de nouveau le QR code.');
  }
  if (pass.status === 'blocked' || booklet.status === 'blocked') {
    return refuse(
      'pass_blocked',
      'Pass bloqué : son carnet a été déclaré perdu ou volé. Ne l’acceptez pas ; la personne peut s’adresser à la structure qui le lui a remis.',
    );
  }
  if (pass.status === 'redeemed' || pass.status === 'reimbursed') {
    // When, never where: the place that accepted it is none of this place's business.
    const when = input.redeemedAt ? ` le ${formatFrenchDateTime(input.redeemedAt)}` : '';
    return refuse('pass_already_redeemed', `Pass déjà utilisé${when}. Un pass ne sert qu’une fois.`, input.redeemedAt ? { redeemedAt: input.redeemedAt } : {});
  }
  const last = lastAcceptedDay(order.validUntil, gracePeriodDays);
  // An expired pass says so even if its booklet was never handed out: the date is what the holder can act on.
  if (pass.status === 'expired') {
    return refuse('pass_expired', `Pass expiré : il était accepté jusqu’au ${formatFrenchDate(last)}. Il ne peut plus être encaissé.`);
  }
  if (pass.status !== 'active' || order.fundedAt === null || !HANDED_OUT.includes(booklet.status)) {
    return refuse(
      'pass_not_distributed',
      'Pass pas encore activé : son carnet n’a pas été remis par une structure habilitée. La personne peut s’adresser à la structure qui le lui a donné.',
    );
  }
  if (today < order.validFrom) {
    return refuse('pass_not_valid_yet', `Pass pas encore valable : il pourra être utilisé à partir du ${formatFrenchDate(order.validFrom)}.`);
  }
  if (today > last) {
    return refuse('pass_expired', `Pass expiré : il était accepté jusqu’au ${formatFrenchDate(last)}. Il ne peut plus être encaissé.`);
  }
  if (place && place.status !== 'labelled') {
    const why =
      place.status === 'suspended'
        ? 'Votre lieu est suspendu : vous ne pouvez pas encaisser de pass pour le moment. Contactez l’opérateur du Pass numérique.'
        : 'Votre lieu n’est pas (encore) labellisé : vous pourrez encaisser des pass une fois la labellisation accordée par l’opérateur.';
    return refuse('place_not_labelled', why);
  }
  if (site && !territories.isCommuneInTerritory(site.communeCode, order.territory)) {
    return refuse(
      'place_outside_territory',
      'Ce pass n’est pas valable dans la commune de ce lieu : il a été acheté pour un autre territoire. La personne trouvera les lieux où l’utiliser en scannant son pass.',
    );
  }
  if (service === undefined) return { redeemable: true };
  // A place is paid for the services of its catalogue, the one people find it by.
  if (service !== null && site?.services && !site.services.includes(service)) {
    return refuse(
      'service_not_offered',
      `Ce lieu d’accueil ne propose pas le service « ${service} » : choisissez un service de son catalogue, ou ajoutez-le dans « Mon lieu ».`,
    );
  }
  const allowed = order.allowedServices;
  if (allowed && allowed.length > 0 && (service === null || !allowed.includes(service))) {
    const list = allowed.map((s) => `« ${s} »`).join(', ');
    return refuse(
      'service_not_allowed',
      service === null
        ? `Ce pass ne paie que certains services (${list}) : indiquez le service rendu.`
        : `Ce pass ne paie pas le service « ${service} » : son commanditaire l’a réservé à ${list}.`,
    );
  }
  return { redeemable: true };
}
