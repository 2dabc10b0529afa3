import { z } from 'zod';
import { BOOKLET_STATUSES, PASS_STATUSES, type BookletStatus, type PassStatus } from '../../../db/schema/booklets.ts';
import { PASS_REFUSALS } from './redeemability.ts';

/** Serials are printed upper case (CD31-2026-000001); people may type them in any case. */
export const bookletSerial = z
  .string()
  .trim()
  .toUpperCase()
  .min(1)
  .max(40)
  .regex(/^[A-Z0-9-]+$/, 'numéro de carnet attendu (lettres, chiffres et tirets)');

/** Raw pass code as typed or scanned: normalised and verified by the pass-code module, not here. */
export const passCodeInput = z.string().max(100);

export const bookletListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Opaque to clients: the position of the last booklet of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, 'curseur de pagination invalide')
    .optional(),
  status: z.enum(BOOKLET_STATUSES).optional(),
  format: z.enum(['csv', 'json']).optional(),
});

export const bookletListItem = z.object({
  serial: z.string(),
  orderId: z.string(),
  position: z.number().int(),
  status: z.enum(BOOKLET_STATUSES),
  holderId: z.string(),
  holderName: z.string(),
  passCount: z.number().int(),
});

export const passCountsView = z
  .object({
    issued: z.number().int().describe('Tous les pass émis pour la commande'),
    inStock: z.number().int().describe('Pass de carnets encore chez le commanditaire'),
    allotted: z.number().int().describe('Pass de carnets confiés à un prescripteur, pas encore remis'),
    distributed: z.number().int().describe('Pass remis à un bénéficiaire et pas encore encaissés'),
    redeemed: z.number().int().describe('Pass encaissés, pas encore remboursés au lieu'),
    reimbursed: z.number().int().describe('Pass encaissés et remboursés au lieu'),
    expired: z.number().int(),
    cancelled: z.number().int(),
    blocked: z.number().int().describe('Pass de carnets perdus ou volés'),
  })
  .describe('Pass par situation ; issued = la somme de toutes les autres');

export const bookletCountsView = z
  .object({
    issued: z.number().int().describe('Tous les carnets émis'),
    inStock: z.number().int(),
    allotted: z.number().int(),
    distributed: z.number().int(),
    started: z.number().int(),
    usedUp: z.number().int(),
    blocked: z.number().int(),
    expired: z.number().int(),
  })
  .describe('Carnets par statut ; issued = la somme de tous les autres');

export type PassCounts = z.infer<typeof passCountsView>;
export type BookletCounts = z.infer<typeof bookletCountsView>;

export const printProofView = z.object({
  orderId: z.string(),
  acceptedAt: z.string(),
  acceptedByUserId: z.string(),
  acceptedByName: z.string(),
});

export const passLookupView = z.object({
  code: z.string(),
  status: z.enum(PASS_STATUSES),
  faceValueCents: z.number().int(),
  validFrom: z.string(),
  validUntil: z.string(),
  redeemable: z.boolean(),
  reason: z.enum(PASS_REFUSALS).optional(),
});

export const BOOKLET_STATUS_LABELS: Record<BookletStatus, string> = {
  in_stock: 'En stock',
  allotted: 'Confié à un prescripteur',
  distributed: 'Remis à un bénéficiaire',
  started: 'Entamé',
  used_up: 'Épuisé',
  blocked: 'Bloqué',
  expired: 'Expiré',
};

export const PASS_STATUS_LABELS: Record<PassStatus, string> = {
  issued: 'Émis, pas encore remis',
  active: 'Utilisable',
  redeemed: 'Encaissé',
  reimbursed: 'Encaissé et remboursé',
  blocked: 'Bloqué',
  expired: 'Expiré',
};
