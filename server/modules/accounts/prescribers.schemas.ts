import { z } from 'zod';
import { PRESCRIBER_KINDS } from '../../../db/schema/accounts.ts';
import { boundedText, email } from '../../shared/schemas.ts';
import { communeCode, siret } from '../../shared/schemas.ts';

export const prescriberKind = z.enum(PRESCRIBER_KINDS);

export const addPrescriberBody = z.object({
  name: boundedText(200),
  siret,
  kind: prescriberKind,
  communeCode,
  contactEmail: email,
});
export type AddPrescriberInput = z.infer<typeof addPrescriberBody>;

export const prescriberNetworkView = z.object({
  id: z.string(),
  name: z.string(),
  siret: z.string().nullable(),
  kind: prescriberKind.nullable(),
  communeCode: z.string().nullable(),
  status: z.string(),
  buyerId: z.string(),
  buyerName: z.string(),
  addedByName: z.string().nullable(),
  addedAt: z.string(),
  created: z.boolean().describe('Vrai si ce commanditaire a créé le prescripteur, faux s’il existait déjà'),
});

export const PRESCRIBER_KIND_LABELS: Record<z.infer<typeof prescriberKind>, string> = {
  mission_locale: 'Mission locale',
  ccas: 'CCAS',
  france_travail: 'France Travail',
  france_services: 'France Services',
  association: 'Association',
  other: 'Autre',
};
