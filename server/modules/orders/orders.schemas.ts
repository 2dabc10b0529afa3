import { z } from 'zod';
import { calendarDate, id } from '../../shared/schemas.ts';
import { ORDER_STATUSES, PAYMENT_ARRANGEMENT_KINDS } from '../../../db/schema/orders.ts';
import { bookletCountsView, passCountsView } from '../booklets/booklets.schemas.ts';
import { placeService } from '../places/places.schemas.ts';
import { PLACE_SERVICES } from '../places/services.ts';

const codeList = (label: string, pattern: RegExp, message: string) =>
  z
    .array(
      z
        .string()
        .trim()
        .toUpperCase()
        .regex(pattern, message),
    )
    .max(500, `500 ${label} au maximum`)
    .optional();

export const territoryInput = z
  .object({
    departements: codeList('départements', /^(\d{2}|2[AB]|9[78]\d)$/, 'code de département attendu (ex. 31, 2A, 974)'),
    epcis: codeList('EPCI', /^\d{9}$/, 'SIREN d’EPCI attendu (9 chiffres)'),
    communes: codeList('communes', /^([013-9]\d|2[AB1-9])\d{3}$/, 'code INSEE de commune attendu (5 caractères)'),
  })
  .strict();

/**
 * The lowest face value of a pass (DGFiP-ANCT note on the Pass numérique): 10 €. A business rule
 * (422 `face_value_too_low`, checked by the quote and the order alike), not a shape the schema refuses.
 */
export const MIN_FACE_VALUE_CENTS = 1000;

export const paymentArrangementInput = z
  .object({
    kind: z.enum(PAYMENT_ARRANGEMENT_KINDS, { message: 'choisissez la convention de mandat ou la régie d’avances' }),
    reference: z.string().trim().min(1, 'référence de la convention ou de l’acte constitutif de la régie obligatoire').max(100, '100 caractères au maximum'),
    date: calendarDate,
  })
  .strict()
  .describe('Modalité de paiement du commanditaire public : convention de mandat ou régie d’avances, avec sa référence et sa date ; imprimée sur ses factures');

export const orderInput = z
  .object({
    bookletCount: z.number().int('nombre entier attendu').min(1, 'au moins 1 carnet').max(100_000, '100 000 carnets au maximum'),
    passesPerBooklet: z.number().int('nombre entier attendu').min(1, 'au moins 1 pass par carnet').max(20, '20 pass par carnet au maximum'),
    faceValueCents: z
      .number()
      .int('montant en centimes entiers attendu')
      .min(1, 'valeur faciale positive attendue')
      .max(10_000, 'valeur faciale de 100,00 € au maximum'),
    validFrom: calendarDate,
    validUntil: calendarDate,
    publics: z.array(z.string().trim().min(1).max(64)).min(1, 'au moins un public, ou null pour tous les publics').max(50).nullable(),
    territory: territoryInput.nullable(),
    cofinancingProgramId: id.optional(),
    chorusServiceCode: z.string().trim().max(100).optional(),
    engagementNumber: z.string().trim().max(50).optional(),
    mandateNumber: z.string().trim().max(50).optional(),
    paymentArrangement: paymentArrangementInput.optional(),
    allowedServices: z
      .array(placeService)
      .min(1, 'au moins un service, ou null pour tous les services')
      .max(PLACE_SERVICES.length)
      .nullable()
      .optional()
      .describe('Services que les pass paient, dans la liste nationale ; absent ou null : tous'),
  })
  .refine((o) => o.validFrom <= o.validUntil, { path: ['validUntil'], message: 'la fin de validité doit suivre le début' });

export type OrderInput = z.infer<typeof orderInput>;

export const quoteView = z.object({
  passCount: z.number().int(),
  totalCents: z.number().int(),
  feeBasisPoints: z.number().int(),
  feeCents: z.number().int(),
  vatCents: z.number().int(),
  stateShareCents: z.number().int(),
  buyerShareCents: z.number().int(),
  buyerInvoiceTotalCents: z.number().int(),
  uncappedStateShareCents: z.number().int(),
  cappedBy: z.enum(['envelope', 'buyer_cap']).nullable(),
  cofinancingProgramId: z.string().nullable(),
  cofinancingNotApplied: z
    .object({ condition: z.string(), message: z.string() })
    .nullable()
    .describe('Pourquoi le programme choisi ne cofinance pas cette commande (le devis est alors sans cofinancement) ; null sinon'),
});

export const orderView = z.object({
  id: z.string(),
  reference: z.string(),
  buyerId: z.string(),
  buyerName: z.string(),
  status: z.enum(ORDER_STATUSES),
  funded: z.boolean(),
  fundedAt: z.string().nullable(),
  bookletCount: z.number().int(),
  passesPerBooklet: z.number().int(),
  faceValueCents: z.number().int(),
  validFrom: z.string(),
  validUntil: z.string(),
  publics: z.array(z.string()).nullable(),
  territory: territoryInput.nullable(),
  cofinancingProgramId: z.string().nullable(),
  totalCents: z.number().int(),
  stateShareCents: z.number().int(),
  buyerShareCents: z.number().int(),
  feeCents: z.number().int(),
  vatCents: z.number().int(),
  chorusServiceCode: z.string().nullable(),
  engagementNumber: z.string().nullable(),
  mandateNumber: z.string().nullable(),
  paymentArrangement: z.object({ kind: z.enum(PAYMENT_ARRANGEMENT_KINDS), reference: z.string(), date: z.string() }).nullable(),
  submittedAt: z.string(),
  approvedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  allowedServices: z.array(z.string()).nullable().describe('Services que les pass paient ; null : tous'),
});

/** One order with where its passes and booklets stand (`GET /orders/{id}`): counted per request, so not in lists. */
export const orderDetailView = orderView.extend({ counts: passCountsView, bookletCounts: bookletCountsView });

export const mandateInput = z.object({ mandateNumber: z.string().trim().min(1, 'numéro de mandat obligatoire').max(50) });

export const ordersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  status: z.enum(ORDER_STATUSES).optional(),
});

export const ORDER_STATUS_LABELS: Record<(typeof ORDER_STATUSES)[number], string> = {
  submitted: 'À approuver',
  approved: 'Approuvée',
  cancelled: 'Annulée',
  closed: 'Clôturée',
};
