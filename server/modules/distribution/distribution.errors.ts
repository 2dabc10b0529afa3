import { badRequest, conflict, notFound, unprocessable, type DomainError } from '../../shared/problem.ts';
import { countOf, plural } from '../../shared/plural.ts';
import { formatFrenchDate } from '../../shared/paris-time.ts';

/**
 * The errors the distribution network raises (designation, allotments and returns, hand-outs,
 * blocking), each with its stable code and its French message in one place. A booklet or an order
 * of another organisation reads like a missing one.
 */

/** Serials named in a message: the first few, then how many more. */
export function nameSerials(serials: readonly string[], max = 5): string {
  const shown = serials.slice(0, max).join(', ');
  return serials.length > max ? `${shown} et ${countOf(serials.length - max, 'autre')}` : shown;
}

// --- Booklets --------------------------------------------------------------------------------

export const bookletNotFound = (serial: string): DomainError => notFound('booklet_not_found', `Carnet ${serial} introuvable.`);

export const bookletAlreadyBlocked = (serial: string): DomainError => conflict('booklet_already_blocked', `Le carnet ${serial} est déjà bloqué.`);

export const bookletNotBlockable = (serial: string, status: 'used_up' | 'expired' | string): DomainError =>
  conflict('booklet_not_blockable', `Le carnet ${serial} est ${status === 'used_up' ? 'épuisé' : 'expiré'} : il n’y a plus rien à bloquer.`);

export const bookletChangedMeanwhile = (serial: string): DomainError => conflict('booklets_changed', `Le carnet ${serial} a changé d’état pendant l’opération : recommencez.`);

export const bookletsChangedMeanwhile = (): DomainError => conflict('booklets_changed', 'Des carnets ont changé d’état pendant l’opération : rien n’a été fait, recommencez.');

export const invalidBookletSerials = (message: string): DomainError => badRequest('invalid_booklet_serials', message, [{ path: 'bookletSerials', message }]);

export const orderHasNoBookletsYet = (reference: string): DomainError =>
  conflict('order_not_approved', `Les carnets n’existent qu’une fois la commande approuvée (commande ${reference}).`);

// --- Designation -----------------------------------------------------------------------------

export const orderClosedToDesignation = (reference: string, status: 'cancelled' | 'closed' | string): DomainError =>
  conflict('order_not_open', `La commande ${reference} est ${status === 'cancelled' ? 'annulée' : 'clôturée'} : plus de désignation possible.`);

export const prescriberNotFound = (): DomainError => notFound('prescriber_not_found', 'Prescripteur introuvable.');

export const prescriberAlreadyDesignated = (prescriberName: string, reference: string): DomainError =>
  conflict('prescriber_already_designated', `${prescriberName} est déjà désigné sur la commande ${reference}.`);

export const designationNotFound = (): DomainError => notFound('designation_not_found', 'Ce prescripteur n’est pas désigné sur cette commande.');

export const prescriberNotDesignated = (): DomainError =>
  unprocessable('prescriber_not_designated', 'Désignez d’abord ce prescripteur sur la commande : on ne confie des carnets qu’à un prescripteur désigné.');

// --- Allotments and returns ------------------------------------------------------------------

export const bookletsNotOfOrder = (reference: string, serials: readonly string[]): DomainError =>
  unprocessable('booklet_not_in_your_stock', `Ces carnets n’appartiennent pas à la commande ${reference} : ${nameSerials(serials)}.`, { serials: serials.slice(0, 100) });

export const bookletsNoLongerInStock = (serials: readonly string[]): DomainError =>
  unprocessable('booklet_not_in_your_stock', `Ces carnets ne sont plus dans votre stock (déjà confiés, distribués ou bloqués) : ${nameSerials(serials)}.`, {
    serials: serials.slice(0, 100),
  });

export const notEnoughStockToAllot = (reference: string, available: number, asked: number): DomainError =>
  unprocessable('not_enough_stock', `Il ne reste que ${countOf(available, 'carnet')} en stock sur la commande ${reference} : impossible d’en confier ${asked}.`, { available });

export const returningPrescriberRequired = (): DomainError =>
  badRequest('validation_failed', 'Indiquez le prescripteur dont les carnets reviennent.', [{ path: 'prescriberId', message: 'prescripteur obligatoire' }]);

/** `holder` is "votre stock" for the prescriber itself, "le stock de ce prescripteur" for the buyer. */
export const bookletsNotHeld = (holder: string, reference: string, serials: readonly string[]): DomainError =>
  unprocessable('booklet_not_in_your_stock', `Ces carnets ne sont pas dans ${holder} pour la commande ${reference} : ${nameSerials(serials)}.`, { serials: serials.slice(0, 100) });

export const bookletsNotReturnable = (serials: readonly string[]): DomainError =>
  unprocessable('booklet_not_returnable', `Seuls les carnets non distribués reviennent au commanditaire ; déjà distribués ou bloqués : ${nameSerials(serials)}.`, {
    serials: serials.slice(0, 100),
  });

export const notEnoughStockToReturn = (reference: string, available: number): DomainError =>
  unprocessable('not_enough_stock', `Ce prescripteur ne détient que ${countOf(available, 'carnet')} non ${plural(available, 'distribué')} de la commande ${reference}.`, { available });

// --- Hand-outs -------------------------------------------------------------------------------

export const unknownPublic = (code: string): DomainError =>
  badRequest('unknown_reference_code', `Public inconnu : ${code}.`, [{ path: 'publicCategory', message: `public inconnu : ${code}` }]);

/** `currentCode` is the code of the commune it merged into, when it did. */
export const unknownCommune = (code: string, currentCode?: string): DomainError => {
  const hint = currentCode ? ` (la commune a fusionné : code actuel ${currentCode})` : '';
  return badRequest('unknown_reference_code', `Commune inconnue : ${code}${hint}.`, [{ path: 'communeCode', message: `commune inconnue : ${code}${hint}` }]);
};

export const bookletNotInYourStock = (serial: string): DomainError =>
  unprocessable('booklet_not_in_your_stock', `Le carnet ${serial} n’est pas dans votre stock : vérifiez le numéro, ou demandez au commanditaire de vous le confier.`);

export const blockedBookletNotHandedOut = (serial: string): DomainError =>
  unprocessable('booklet_not_in_your_stock', `Le carnet ${serial} est bloqué (perdu ou volé) : il ne peut pas être distribué.`);

/** `on` is the Paris day of the hand-out, when it is known. */
export const bookletAlreadyDistributed = (serial: string, on?: string): DomainError =>
  conflict('booklet_already_distributed', `Le carnet ${serial} a déjà été distribué${on ? ` le ${formatFrenchDate(on)}` : ''}.`);

export const bookletJustDistributed = (serial: string): DomainError => conflict('booklet_already_distributed', `Le carnet ${serial} vient d’être distribué par ailleurs.`);

export const orderNotValidYet = (validFrom: string): DomainError =>
  unprocessable('order_not_valid_yet', `Ce carnet ne peut être distribué qu’à partir du ${formatFrenchDate(validFrom)}, début de validité de la commande.`);

export const orderOver = (validUntil: string): DomainError =>
  unprocessable('order_expired', `Les carnets de cette commande étaient à distribuer jusqu’au ${formatFrenchDate(validUntil)} : la commande a pris fin, plus aucune distribution n’est possible.`);

export const publicNotEligible = (label: string, eligibleLabels: readonly string[]): DomainError =>
  unprocessable('public_not_eligible', `Le public « ${label} » n’est pas éligible à ce carnet. Publics éligibles : ${eligibleLabels.join(', ')}.`);

export const communeOutsideTerritory = (commune: { name: string; code: string }, territoryDescription: string): DomainError =>
  unprocessable(
    'territory_not_eligible',
    `${commune.name} (${commune.code}) est hors du territoire de ce carnet : ${territoryDescription}. Le bénéficiaire doit résider dans ce territoire.`,
  );
