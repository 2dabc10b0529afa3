import { z } from 'zod';
import { BOOKLET_STATUSES, PASS_STATUSES } from '../../../db/schema/booklets.ts';
import { MOVEMENT_KINDS } from '../../../db/schema/distribution.ts';
import { REDEMPTION_STATUSES } from '../../../db/schema/redemption.ts';

export const historyEventView = z.object({
  at: z.string().describe('Instant UTC'),
  kind: z.enum(['issued', ...MOVEMENT_KINDS]),
  label: z.string().describe('Ce qui s’est passé, en français, avec les organisations nommées'),
  by: z.string().nullable().describe('La personne et son organisation'),
  details: z.string().nullable().describe('Pour une remise : le public et la commune du bénéficiaire (jamais qui il est) ; masqués pour le commanditaire'),
});
export type HistoryEvent = z.infer<typeof historyEventView>;

const redemptionView = z.object({
  status: z.enum(REDEMPTION_STATUSES),
  placeName: z.string(),
  siteName: z.string(),
  amountCents: z.number().int(),
  redeemedAt: z.string(),
  cancelledAt: z.string().nullable(),
  current: z.boolean().describe('L’encaissement qui vaut pour le pass aujourd’hui'),
});

export const bookletRecordView = z.object({
  serial: z.string(),
  orderId: z.string(),
  status: z.enum(BOOKLET_STATUSES),
  statusLabel: z.string(),
  position: z.number().int().describe('Rang du carnet dans la commande (ordre d’impression)'),
  holderId: z.string(),
  holderName: z.string(),
  order: z.object({ id: z.string(), reference: z.string().describe('CMD-AAAA-NNNNNN'), buyerId: z.string(), buyerName: z.string() }),
  territory: z.string().describe('Le territoire de la commande, en toutes lettres'),
  validFrom: z.string(),
  validUntil: z.string().describe('Fin de validité imprimée'),
  graceUntil: z.string().describe('Dernier jour où un pass déjà remis est encore accepté (délai de grâce)'),
  history: z.array(historyEventView).describe('Du plus ancien au plus récent'),
  usesShown: z.boolean().describe('false pour le commanditaire : le lieu et la date d’utilisation de chaque pass ne lui sont montrés qu’en statistiques (tableau de bord d’utilisation), à partir de 5'),
  passes: z.array(
    z.object({
      position: z.number().int(),
      code: z.string().describe('Le code complet : réservé à l’API, les pages ne montrent que `maskedCode`'),
      maskedCode: z.string().describe('Les 4 derniers caractères seulement'),
      status: z.enum(PASS_STATUSES),
      statusLabel: z.string(),
      faceValueCents: z.number().int(),
      redemptions: z.array(redemptionView).describe('Encaissements du pass, annulés compris ; vide quand `usesShown` est false'),
    }),
  ),
});
export type BookletRecord = z.infer<typeof bookletRecordView>;

export const bookletSearchQuery = z.object({
  serie: z.string().max(200).optional(),
});
