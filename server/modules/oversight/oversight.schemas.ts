import { z } from 'zod';
import { id } from '../../shared/schemas.ts';
import { END_OF_VALIDITY_STEPS, PROGRAM_PAYS_ON, TERRITORY_MINIMUMS } from '../../../db/schema/oversight.ts';

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
  sleepingBooklets: z
    .number()
    .int()
    .nullable()
    .describe('Carnets dormants : aucun pass utilisé dans les `dormantAfterDays` jours suivant la remise (jugé une fois ce délai passé ; un usage plus tard n’y change rien)'),
  masked: z.boolean(),
});

export const usageView = z.object({
  orderId: z.string().nullable().describe('null : toutes les commandes du commanditaire'),
  reference: z.string().nullable(),
  smallCellThreshold: z.number().int().describe('Les effectifs sous ce seuil sont masqués (0 : aucun masquage, pour l’opérateur)'),
  dormantAfterDays: z.number().int().describe('Délai après la remise au-delà duquel un carnet sans pass utilisé est compté dormant'),
  figuresAsOf: z
    .string()
    .nullable()
    .describe('Mois (AAAA-MM, heure de Paris) à la fin duquel distribués, utilisés et leur détail sont arrêtés, publiés une fois puis gardés ; null : chiffres du jour, exacts (opérateur)'),
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
  handOutToFirstUse: z.array(usageCell).describe('Carnets entamés, par délai entre la remise et le premier pass utilisé (les carnets pas encore entamés ne sont dans aucune tranche)'),
});
export type UsageView = z.infer<typeof usageView>;

export const orderParams = z.object({ orderId: id });

export const programParams = z.object({ id });

export const stateTermsInput = z.object({
  stateOrganisationId: id.nullable().describe('Organisation de type `state` qui finance le programme et lit son rapport'),
  paysOn: z.enum(PROGRAM_PAYS_ON).default('purchase').describe('`use` : l’État paie sur les pass utilisés (appel de 2020)'),
  maxOrderCents: z.number().int().positive().max(100_000_000_000).nullable().default(null).describe('Projet (commande) le plus grand financé, en centimes'),
  territoryMin: z.enum(TERRITORY_MINIMUMS).default('any').describe('`commune_grouping` : au moins un regroupement de communes'),
  priorityQuotaBasisPoints: z.number().int().min(0).max(10_000).nullable().default(null).describe('Part minimale des distributions aux publics prioritaires, en points de base'),
});
export type StateTermsInput = z.infer<typeof stateTermsInput>;

export const stateTermsView = stateTermsInput.extend({ programId: z.string(), updatedAt: z.string() });

export const programReportView = z.object({
  programId: z.string(),
  programName: z.string(),
  rateBasisPoints: z.number().int(),
  paysOn: z.enum(PROGRAM_PAYS_ON),
  smallCellThreshold: z.number().int(),
  envelopeCents: z.number().int(),
  committedCents: z.number().int().describe('Engagé par les commandes approuvées, au total'),
  invoicedCents: z.number().int(),
  paidCents: z.number().int(),
  creditedCents: z.number().int().describe('Part de l’État des avoirs (pass expirés)'),
  releasedCents: z.number().int().describe('Parts de l’État restituées à l’enveloppe par les avoirs à l’État (pass expirés)'),
  remainingCents: z.number().int().describe('Reste à engager : enveloppe − engagé + restitué'),
  byBuyer: z.array(
    z.object({
      buyerId: z.string(),
      buyerName: z.string(),
      territory: z.string(),
      bought: z.number().int(),
      distributed: z.number().int().nullable(),
      used: z.number().int().nullable(),
      masked: z.boolean(),
    }),
  ),
  priority: z.object({
    distributions: z.number().int(),
    priorityShare: z.number().nullable().describe('Part des distributions aux publics prioritaires, en % (null : masquée)'),
    quotaBasisPoints: z.number().int().nullable(),
    quotaMet: z.boolean().nullable(),
  }),
  payOnUse: z.array(
    z.object({
      orderId: z.string(),
      reference: z.string(),
      buyerName: z.string(),
      usedCents: z.number().int(),
      owedOnUseCents: z.number().int().describe('Ce que l’État doit sur les pass utilisés : taux × valeur utilisée, plafonné à sa part'),
      invoicedCents: z.number().int(),
    }),
  ),
});
export type ProgramReportView = z.infer<typeof programReportView>;

export const endOfValidityView = z.object({
  orderId: z.string(),
  reference: z.string(),
  calendar: z.object({ alertOn: z.string(), blockingFrom: z.string(), acknowledgementFrom: z.string(), validUntil: z.string(), expiryAfter: z.string() }),
  expired: z.boolean(),
  blocked: z.boolean().describe('Blocage J-15 approuvé : plus aucune remise de carnet'),
  unhandedBooklets: z.object({ count: z.number().int(), passCount: z.number().int(), amountCents: z.number().int(), serials: z.string() }),
  steps: z.array(z.object({ step: z.enum(END_OF_VALIDITY_STEPS), label: z.string(), opensOn: z.string(), doneAt: z.string().nullable(), open: z.boolean() })),
});
