import { z } from 'zod';
import { calendarDate } from '../../shared/schemas.ts';

/**
 * Chorus Pro deposits recorded by hand: Chorus Pro's API (PISTE) cannot be reached from the
 * service, so finance deposits each Factur-X on the portal and enters what Chorus Pro answered.
 * The flow number ("numéro de flux") Chorus Pro gives a deposit is CPP followed by 22 digits (e.g.
 * CPP0011117000000000414554): spaces and dashes typed or pasted with it are dropped, letters
 * upper-cased, anything else refused, so a typo never stands for a deposit.
 */
export const CHORUS_FLOW_NUMBER = /^CPP\d{22}$/;
export const CHORUS_FLOW_EXAMPLE = 'CPP0011117000000000414554';

export const normaliseFlowNumber = (raw: string) => raw.toUpperCase().replace(/[\s.\-_]/g, '');

export const chorusDepositInput = z.object({
  depositedOn: calendarDate.describe('Date du dépôt sur Chorus Pro (AAAA-MM-JJ, heure de Paris), ni future, ni antérieure à l’émission du document'),
  flowNumber: z
    .string({ message: 'numéro de flux obligatoire' })
    .max(60, '60 caractères au maximum')
    .transform(normaliseFlowNumber)
    .refine((value) => value.length > 0, 'numéro de flux obligatoire')
    .refine((value) => value.length === 0 || CHORUS_FLOW_NUMBER.test(value), `numéro de flux Chorus Pro attendu : CPP suivi de 22 chiffres (ex. ${CHORUS_FLOW_EXAMPLE})`)
    .describe('Numéro de flux donné par Chorus Pro au dépôt : CPP suivi de 22 chiffres'),
});
export type ChorusDepositInput = z.infer<typeof chorusDepositInput>;

/** Where a document stands with Chorus Pro: deposited, to deposit, or not concerned (a private buyer's). */
export type ChorusStatus = 'deposited' | 'pending' | 'not_applicable';

/**
 * A document goes through Chorus Pro when its recipient is a public body. The recipient is the
 * document's party: the State (the programme's payer, public) for every call for funds and every
 * State credit note, whoever the buyer is; the buyer for the others, public unless it is private.
 * So a private buyer's order expiring gives a State note that goes through Chorus Pro and a buyer
 * note that does not (issue 14: one credit note per party). The party is required so that no
 * caller can decide from the buyer alone.
 */
export const goesThroughChorusPro = (recipient: { party: 'buyer' | 'state'; buyerType: string | null }) => recipient.party === 'state' || recipient.buyerType !== 'private';

export const CHORUS_STATUS_LABELS: Record<ChorusStatus, string> = {
  deposited: 'Déposé sur Chorus Pro',
  pending: 'À déposer sur Chorus Pro',
  not_applicable: 'Sans objet (acheteur privé)',
};
