import { z } from 'zod';
import { REDEMPTION_STATUSES } from '../../../db/schema/redemption.ts';
import { id, listQuery } from '../../shared/schemas.ts';
import { placeService } from '../places/places.schemas.ts';
import { REDEMPTION_REFUSALS } from '../booklets/redeemability.ts';

/** Raw code as typed or scanned (any case, spaces, dashes, or the whole QR URL): normalised by the pass-code module. */
export const passCodeField = z.string().trim().min(1, 'saisissez le code du pass').max(200).describe('Code du pass (20 caractères, tirets et espaces ignorés) ou URL de son QR code');

export const redemptionInput = z.object({
  code: passCodeField,
  siteId: id.optional().describe('Obligatoire quand le lieu a plusieurs lieux d’accueil'),
  service: placeService.optional().describe('Service rendu, dans la liste nationale'),
});
export type RedemptionInput = z.infer<typeof redemptionInput>;

export const checkInput = redemptionInput.omit({ service: true });

export const redemptionView = z.object({
  id: z.string(),
  code: z.string(),
  amountCents: z.number().int(),
  redeemedAt: z.string(),
  siteId: z.string(),
  siteName: z.string(),
  service: z.string().nullable(),
  status: z.enum(REDEMPTION_STATUSES),
  cancelledAt: z.string().nullable(),
  cancellableUntil: z.string().nullable().describe('Jusqu’à quand le lieu peut annuler cet encaissement ; null s’il ne le peut plus'),
  placeId: z.string(),
  placeName: z.string(),
});
export type RedemptionView = z.infer<typeof redemptionView>;

export const checkView = z.object({
  code: z.string(),
  redeemable: z.boolean(),
  faceValueCents: z.number().int(),
  validFrom: z.string(),
  validUntil: z.string(),
  lastAcceptedDay: z.string().describe('Dernier jour d’acceptation : fin de validité plus délai de grâce'),
  reason: z.enum(REDEMPTION_REFUSALS).optional(),
  message: z.string().describe('Le verdict en français, avec ce qu’il faut faire'),
  redeemedAt: z.string().optional().describe('Pour un pass déjà utilisé : quand (jamais où)'),
});
export type CheckView = z.infer<typeof checkView>;

export const redemptionsQuery = listQuery.extend({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM')
    .optional()
    .describe('Mois (Europe/Paris) des encaissements'),
  status: z.enum(REDEMPTION_STATUSES).optional(),
  format: z.enum(['csv', 'json']).optional(),
});

export const redemptionParams = z.object({ redemptionId: id });
