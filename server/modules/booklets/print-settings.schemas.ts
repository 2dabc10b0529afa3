import { z } from 'zod';
import { PROOF_VERSION_STATUSES } from '../../../db/schema/print-settings.ts';

/** An empty text clears the setting (the default wording comes back). */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `${max} caractères au maximum`)
    .nullish()
    .transform((v) => (v === '' ? null : v));

export const COVER_TITLE_MAX = 40;
export const COVER_MESSAGE_MAX = 150;
export const LETTER_TEXT_MAX = 1500;

export const printSettingsInput = z.object({
  coverTitle: optionalText(COVER_TITLE_MAX).describe('Titre de la couverture, à la place de « Pass numérique »'),
  coverMessage: optionalText(COVER_MESSAGE_MAX).describe('Quelques mots du commanditaire, sous « Offert par »'),
  letterText: optionalText(LETTER_TEXT_MAX).describe('Lettre au bénéficiaire, imprimée après la couverture de chaque carnet ; vide : pas de lettre'),
});
export type PrintSettingsInput = z.infer<typeof printSettingsInput>;

export const proofRejectionInput = z.object({ comment: z.string().trim().min(1, 'dites ce qui doit changer').max(1000, '1000 caractères au maximum') });

export const proofVersionView = z.object({
  version: z.number().int(),
  status: z.enum(PROOF_VERSION_STATUSES),
  createdAt: z.string(),
  createdByName: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decidedByName: z.string().nullable(),
  comment: z.string().nullable(),
});

export const printSettingsView = z.object({
  coverTitle: z.string().nullable(),
  coverMessage: z.string().nullable(),
  letterText: z.string().nullable(),
  logo: z.object({ mime: z.string(), width: z.number().int(), height: z.number().int() }).nullable(),
  editable: z.boolean().describe('false une fois le BAT validé'),
  versions: z.array(proofVersionView),
});
