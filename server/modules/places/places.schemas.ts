import { z } from 'zod';
import { PLACE_SOURCES, PLACE_STATUSES, type PlaceStatus } from '../../../db/schema/places.ts';
import { boundedText, communeCode, email, listQuery, siret } from '../../shared/schemas.ts';
import { validateBic, validateIban } from '../../shared/bank.ts';
import { checkOpeningHours } from './opening-hours.ts';
import { PLACE_SERVICES } from './services.ts';

export const placeService = z.enum(PLACE_SERVICES, { message: 'service inconnu : choisissez dans la liste nationale des services' });

// The commune code and the SIRET are everyone's (organisations, prescribers, places): shared/schemas.ts.
export { communeCode, siret };

export const iban = z
  .string()
  .max(60)
  .transform((value, ctx) => {
    const result = validateIban(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    }
    return result.value;
  });

export const bic = z
  .string()
  .max(20)
  .transform((value, ctx) => {
    const result = validateBic(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    }
    return result.value;
  });

export const openingHours = z
  .string()
  .max(500)
  .transform((value, ctx) => {
    if (value.trim() === '') return null;
    const result = checkOpeningHours(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    }
    return result.value;
  });

/** A French or international number as people write it: digits, spaces, dots, dashes, a leading +. */
export const sitePhone = z
  .string()
  .trim()
  .max(30, '30 caractères au maximum')
  .regex(/^\+?[\d .()-]{6,}$/, 'numéro de téléphone attendu, par exemple 05 61 00 00 00')
  .refine((v) => v.replace(/\D/g, '').length >= 6, 'numéro de téléphone attendu, par exemple 05 61 00 00 00');

export const siteWebsite = z
  .string()
  .trim()
  .max(300, '300 caractères au maximum')
  .refine((v) => /^https?:\/\/[^\s/]+\.[^\s]+$/i.test(v) && URL.canParse(v), 'adresse web attendue, commençant par https://');

export const siteInput = z.object({
  name: boundedText(200),
  address: boundedText(300),
  postalCode: z
    .string()
    .trim()
    .regex(/^\d{5}$/, 'code postal attendu (5 chiffres)')
    .optional(),
  communeCode,
  services: z.array(placeService).min(1, 'au moins un service').max(PLACE_SERVICES.length),
  openingHours: openingHours.nullish(),
  free: z.boolean().default(false).describe('Le lieu propose aussi ces services gratuitement'),
  /** WGS 84, for "nearest first" in the public directory. */
  latitude: z.number().min(-90, 'latitude entre -90 et 90').max(90, 'latitude entre -90 et 90').nullish(),
  longitude: z.number().min(-180, 'longitude entre -180 et 180').max(180, 'longitude entre -180 et 180').nullish(),
  /** Public contact of the site, shown in the directory and published in the open data. */
  phone: sitePhone.nullish(),
  email: email.nullish(),
  website: siteWebsite.nullish(),
});
export type SiteInput = z.infer<typeof siteInput>;

export const siteUpdate = siteInput.partial().extend({ active: z.boolean().optional() });
export type SiteUpdate = z.infer<typeof siteUpdate>;

export const bankDetailsInput = z.object({
  holder: boundedText(140).describe('Titulaire du compte (nom exact sur le RIB)'),
  iban,
  bic,
});
export type BankDetailsInput = z.infer<typeof bankDetailsInput>;

export const applicationInput = z.object({
  name: boundedText(200),
  siret,
  legalRepresentative: boundedText(200).optional().describe('Nom et qualité du représentant légal'),
  contactEmail: email,
  iban,
  bic,
  accountHolder: boundedText(140).optional().describe('Titulaire du compte ; par défaut, le nom de l’organisation'),
  sites: z.array(siteInput).min(1, 'au moins un lieu d’accueil').max(50),
});
export type ApplicationInput = z.infer<typeof applicationInput>;

export const reasonInput = z.object({ reason: boundedText(500) });

export const bankStatus = z.enum(['missing', 'pending', 'validated']);

export const siteView = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  postalCode: z.string().nullable(),
  communeCode: z.string(),
  communeName: z.string().nullable(),
  services: z.array(z.string()),
  openingHours: z.string().nullable(),
  free: z.boolean(),
  active: z.boolean(),
  externalId: z.string().nullable(),
});

export const bankAccountView = z.object({
  id: z.string(),
  holder: z.string(),
  ibanMasked: z.string(),
  bic: z.string(),
  status: z.string(),
  submittedAt: z.string(),
});

export const placeView = z.object({
  id: z.string(),
  name: z.string(),
  siret: z.string().nullable(),
  pivot: z.string().nullable(),
  status: z.enum(PLACE_STATUSES),
  statusReason: z.string().nullable(),
  legalRepresentative: z.string().nullable(),
  contactEmail: z.string().nullable(),
  source: z.enum(PLACE_SOURCES),
  acceptsPassNumerique: z.boolean().describe('Indice venu de l’open data (frais = pass-numerique) : pas un label'),
  labelledAt: z.string().nullable(),
  createdAt: z.string(),
  bankStatus: bankStatus.describe('missing : aucun RIB ; pending : RIB (nouveau ou modifié) en attente de validation par les finances ; validated'),
  bankAccount: bankAccountView.nullable().describe('Le RIB en vigueur (validé)'),
  pendingBankAccount: bankAccountView.nullable().describe('Le RIB soumis, en attente de validation'),
  sites: z.array(siteView),
});
export type PlaceView = z.infer<typeof placeView>;

export const placesQuery = listQuery.extend({ status: z.enum(PLACE_STATUSES).optional() });

export const importQuery = z.object({
  format: z.enum(['mednum', 'data-inclusion']).optional().describe('Deviné d’après les colonnes si absent'),
});

export const importRowView = z.object({
  line: z.number().int(),
  id: z.string().nullable(),
  name: z.string().nullable(),
  result: z.enum(['created', 'updated', 'unchanged', 'rejected']),
  placeId: z.string().nullable(),
  siteId: z.string().nullable(),
  acceptsPassNumerique: z.boolean(),
  reasons: z.array(z.string()),
});

export const importReportView = z.object({
  format: z.enum(['mednum', 'data-inclusion']),
  total: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  rows: z.array(importRowView),
});
export type ImportReport = z.infer<typeof importReportView>;

export const PLACE_STATUS_LABELS: Record<PlaceStatus, string> = {
  applied: 'Candidature à examiner',
  labelled: 'Labellisé',
  suspended: 'Suspendu',
  rejected: 'Refusé',
};

export const BANK_STATUS_LABELS: Record<z.infer<typeof bankStatus>, string> = {
  missing: 'Aucun RIB',
  pending: 'RIB en attente de validation',
  validated: 'RIB validé',
};
