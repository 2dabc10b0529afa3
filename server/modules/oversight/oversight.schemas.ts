import { z } from 'zod';
import { id } from '../../shared/schemas.ts';

/** One row of a breakdown: a hidden count (under 5, or hidden to protect one) is null with `masked: true`. */
export const usageCell = z.object({
  key: z.string(),
  label: z.string(),
  count: z.number().int().nullable(),
  masked: z.boolean(),
});
export type UsageCell = z.infer<typeof usageCell>;

export const placeCell = usageCell.extend({
  placeId: z.string(),
  placeName: z.string(),
  communeCode: z.string(),
  communeName: z.string(),
  epciName: z.string().nullable(),
});

export const prescriberUsage = z.object({
  prescriberId: z.string(),
  prescriberName: z.string(),
  heldBooklets: z.number().int().describe('Carnets confiés, pas encore remis (un stock, pas des personnes : jamais masqué)'),
  distributedBooklets: z.number().int().nullable(),
  usedPasses: z.number().int().nullable(),
  sleepingBooklets: z.number().int().nullable().describe('Carnets remis dont aucun pass n’a servi'),
  masked: z.boolean(),
});

export const usageView = z.object({
  orderId: z.string().nullable().describe('null : toutes les commandes du commanditaire'),
  reference: z.string().nullable(),
  smallCellThreshold: z.number().int().describe('Les effectifs sous ce seuil sont masqués (0 : aucun masquage, pour l’opérateur)'),
  bought: z.number().int().describe('Pass achetés (commandes approuvées)'),
  distributed: z.number().int().describe('Pass des carnets remis à un bénéficiaire'),
  used: z.number().int().describe('Pass utilisés (encaissements en cours de validité, annulations déduites)'),
  expired: z.number().int(),
  usedCents: z.number().int(),
  usageRate: z.number().nullable().describe('Pass utilisés / pass distribués, en %'),
  byMonth: z.array(usageCell).describe('Pass utilisés par mois (Europe/Paris)'),
  byService: z.array(usageCell),
  byPlace: z.array(placeCell).describe('Pass utilisés par lieu et commune : toutes les communes où un lieu labellisé accueille'),
  byPublic: z.array(usageCell.extend({ priority: z.boolean() })),
  byPrescriber: z.array(prescriberUsage),
  handOutToFirstUse: z.array(usageCell).describe('Carnets remis, par délai entre la remise et le premier pass utilisé'),
});
export type UsageView = z.infer<typeof usageView>;

export const orderParams = z.object({ orderId: id });
