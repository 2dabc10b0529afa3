import { z } from 'zod';
import { boundedText } from '../../shared/schemas.ts';

/** Stable snake_case code stored on orders and distributions: "Jeunes 16-25" is typed, `jeunes_16_25` is kept. */
export const publicCategoryCode = z
  .string()
  .trim()
  .max(64, '64 caractères au maximum')
  .transform((v) => v.toLowerCase().replace(/[\s-]+/g, '_'))
  .pipe(
    z
      .string()
      .min(2, 'code de 2 caractères au moins')
      .regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'code en snake_case attendu : lettres minuscules, chiffres et « _ », par ex. jeunes_16_25_insertion'),
  );

const sortOrder = z.number().int('entier attendu').min(0).max(100_000);

export const createPublicCategoryBody = z.object({
  code: publicCategoryCode,
  label: boundedText(120),
  priority: z.boolean().default(false).describe('Public prioritaire du dispositif'),
  sortOrder: sortOrder.optional().describe('Rang d’affichage ; à la suite des autres si absent'),
});
export type CreatePublicCategoryInput = z.output<typeof createPublicCategoryBody>;

export const updatePublicCategoryBody = z
  .object({
    label: boundedText(120).optional(),
    priority: z.boolean().optional(),
    active: z.boolean().optional().describe('Un public désactivé n’est plus proposé aux nouvelles commandes'),
    sortOrder: sortOrder.optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'indiquez au moins un champ à modifier' });
export type UpdatePublicCategoryInput = z.output<typeof updatePublicCategoryBody>;

export const publicCategoryView = z.object({
  code: z.string(),
  label: z.string(),
  priority: z.boolean(),
  active: z.boolean(),
  sortOrder: z.number().int(),
});
export type PublicCategoryView = z.infer<typeof publicCategoryView>;

export const publicCategoryListQuery = z.object({
  includeInactive: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('Inclure les publics désactivés (pour l’opérateur)'),
});

export const publicCategoryParams = z.object({ code: z.string().trim().min(1).max(64) });
