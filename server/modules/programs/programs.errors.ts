import { formatEuros } from '../../shared/money.ts';
import { badRequest, conflict, notFound, unprocessable, type DomainError, type FieldError } from '../../shared/problem.ts';

/** The errors the programmes module raises (programmes, their envelope, the public categories), each with its stable code and French message. */

export const programNotFound = (): DomainError => notFound('cofinancing_program_not_found', 'Programme de cofinancement introuvable.');

/** An edit would leave the programme inconsistent (dates, payer…): each field is named in `errors`. */
export const programValuesInvalid = (issues: FieldError[]): DomainError => badRequest('validation_failed', 'Certaines valeurs envoyées sont invalides.', issues);

export const envelopeBelowCommitted = (envelopeCents: number, committedCents: number): DomainError =>
  unprocessable(
    'envelope_below_committed',
    `L’enveloppe ne peut pas descendre à ${formatEuros(envelopeCents)} : ${formatEuros(committedCents)} sont déjà engagés sur des commandes approuvées.`,
    { committedCents },
  );

export const programAlreadyClosed = (): DomainError => conflict('cofinancing_program_already_closed', 'Ce programme de cofinancement est déjà clôturé.');

export const programClosed = (programName: string): DomainError =>
  unprocessable('cofinancing_program_closed', `Le programme « ${programName} » est clôturé : il n’engage plus de nouveaux montants.`);

export const programPayerMissing = (programName: string, missing: string[]): DomainError =>
  unprocessable(
    'program_payer_missing',
    `Le payeur du programme « ${programName} » est incomplet (à renseigner : ${missing.join(', ')}) : complétez-le avant d’approuver une commande cofinancée.`,
    { missing },
  );

export const cofinancingAlreadyCommitted = (): DomainError => conflict('cofinancing_already_committed', 'Le cofinancement de cette commande est déjà engagé.');

export const buyerCapReached = (programName: string, cap: { perBuyerCapCents: number; committedForBuyerCents: number; requestedCents: number }): DomainError =>
  unprocessable(
    'cofinancing_buyer_cap_reached',
    `Le plafond par commanditaire du programme « ${programName} » (${formatEuros(cap.perBuyerCapCents)}) serait dépassé : ${formatEuros(cap.committedForBuyerCents)} déjà engagés, ${formatEuros(cap.requestedCents)} demandés.`,
    { ...cap },
  );

export const envelopeExhausted = (programName: string, remainingCents: number, requestedCents: number): DomainError =>
  unprocessable(
    'cofinancing_envelope_exhausted',
    `L’enveloppe du programme « ${programName} » ne suffit plus : il reste ${formatEuros(remainingCents)}, ${formatEuros(requestedCents)} demandés.`,
    { remainingCents, requestedCents },
  );

export const nothingCommitted = (): DomainError =>
  unprocessable('cofinancing_not_committed', 'Cette commande n’a rien engagé sur l’enveloppe du programme : il n’y a rien à restituer.');

export const releaseExceedsCommitment = (release: { commitmentCents: number; releasedCents: number; requestedCents: number }): DomainError =>
  unprocessable(
    'cofinancing_release_exceeds_commitment',
    `La restitution de ${formatEuros(release.requestedCents)} dépasserait l’engagement de la commande (${formatEuros(release.commitmentCents)}, dont ${formatEuros(release.releasedCents)} déjà restitués).`,
    { ...release },
  );

export const publicCategoryExists = (code: string): DomainError => conflict('public_category_exists', `Le code « ${code} » est déjà utilisé par un autre public.`);

export const publicCategoryNotFound = (code: string): DomainError => notFound('public_category_not_found', `Aucun public n’a le code « ${code} ».`);
