import { z } from 'zod';
import { isValidSiret, normalizeSiret } from './siret.ts';

/** Building blocks shared by every module's schemas: bounded strings, ids, problems, lists. */

export const id = z.string().trim().min(1).max(64);
export const boundedText = (max = 200) => z.string().trim().min(1, 'ce champ est obligatoire').max(max, `${max} caractères au maximum`);
export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'adresse e-mail invalide' }))
  .transform((v) => v.toLowerCase());
export const communeCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([013-9]\d|2[AB1-9])\d{3}$/, 'code INSEE de commune attendu (5 caractères, ex. 31555)');

export const siret = z
  .string()
  .max(40)
  .transform(normalizeSiret)
  .refine((s) => /^\d{14}$/.test(s), 'SIRET attendu : 14 chiffres')
  .refine(isValidSiret, 'SIRET invalide : la clé de contrôle ne correspond pas (vérifiez les chiffres)');

export const calendarDate = z.iso.date({ message: 'date attendue au format AAAA-MM-JJ' });

export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Code stable, en snake_case, à utiliser par les intégrations'),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('Problème (RFC 9457)');

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Requête invalide (validation_failed, invalid_json…)',
  401: 'Non connecté (authentication_required, invalid_token)',
  403: 'Non autorisé (forbidden, csrf_token_invalid)',
  404: 'Introuvable, ou appartenant à une autre organisation',
  409: 'Conflit avec l’état actuel',
  413: 'Contenu trop volumineux',
  415: 'Type de contenu non pris en charge',
  422: 'Règle métier non respectée',
  429: 'Trop de tentatives',
  503: 'Service occupé par un traitement (service_busy, Retry-After)',
};

/** The error responses a route documents in OpenAPI, all as problem+json. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, problemSchema.describe(ERROR_DESCRIPTIONS[s] ?? 'Erreur')])) as Record<
    number,
    typeof problemSchema
  >;
}

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const noContent = z.null().describe('Pas de contenu');
