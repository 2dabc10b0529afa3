import { z } from 'zod';
import { AGE_BANDS, BLOCK_REASONS, MOVEMENT_KINDS, type AgeBand, type BlockReason, type MovementKind } from '../../../db/schema/distribution.ts';
import { BOOKLET_STATUSES } from '../../../db/schema/booklets.ts';
import { calendarDate, id } from '../../shared/schemas.ts';
import { normaliseSerial, SERIAL_PATTERN } from '../booklets/serial-ranges.ts';

/** Upper bound of one allotment or return: a département's whole order (9 000 booklets) fits. */
export const MAX_BOOKLETS_PER_MOVE = 20_000;

export const bookletSerial = z
  .string()
  .max(300, 'numéro de carnet trop long')
  .transform(normaliseSerial)
  .pipe(z.string().regex(SERIAL_PATTERN, 'numéro de carnet attendu, par exemple CD31-2026-000001'))
  .describe('Numéro imprimé sur le carnet, ou l’adresse lue dans son QR code (…/C/NUMÉRO)');

export const communeCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([013-9]\d|2[AB1-9])\d{3}$/, 'code INSEE de commune attendu (5 caractères)')
  .describe('Code INSEE de la commune de résidence (un arrondissement de Paris, Lyon ou Marseille compte pour sa commune)');

export const designationInput = z.object({ prescriberId: id });

const serialItems = z
  .array(z.string().trim().min(1).max(200))
  .min(1, 'au moins un numéro')
  .max(10_000)
  .describe('Numéros ou plages : « CD31-2026-000001 », « CD31-2026-000001 à CD31-2026-000010 », « CD31-2026-000001..000010 »');

const bookletSelection = {
  bookletCount: z.number().int('nombre entier attendu').min(1, 'au moins 1 carnet').max(MAX_BOOKLETS_PER_MOVE, `${MAX_BOOKLETS_PER_MOVE} carnets au maximum`).optional(),
  bookletSerials: serialItems.optional(),
};

const exactlyOneSelection = (o: { bookletCount?: number; bookletSerials?: string[] }) => (o.bookletCount === undefined) !== (o.bookletSerials === undefined);
const selectionMessage = { path: ['bookletCount'], message: 'indiquez soit un nombre de carnets, soit des numéros' };

export const allotmentInput = z
  .object({ orderId: id, prescriberId: id, ...bookletSelection })
  .refine(exactlyOneSelection, selectionMessage)
  .describe('Par nombre (les plus petits numéros en stock d’abord) ou par numéros et plages');
export type AllotmentInput = z.infer<typeof allotmentInput>;

export const returnInput = z
  .object({
    orderId: id,
    prescriberId: id.optional().describe('Obligatoire pour le commanditaire ; un prescripteur rend ses propres carnets'),
    ...bookletSelection,
  })
  .refine(exactlyOneSelection, selectionMessage)
  .describe('Par nombre (les plus grands numéros d’abord) ou par numéros et plages ; seuls les carnets non distribués reviennent');
export type ReturnInput = z.infer<typeof returnInput>;

export const distributionInput = z.object({
  bookletSerial,
  publicCategory: z.string().trim().min(1, 'choisissez le public du bénéficiaire').max(64).describe('Code d’un public (GET /public-categories)'),
  communeCode,
  ageBand: z.enum(AGE_BANDS).optional().describe('Tranche d’âge, facultative'),
});
export type DistributionInput = z.infer<typeof distributionInput>;

export const blockInput = z.object({
  reason: z.enum(BLOCK_REASONS, { message: 'Choisissez le motif : perdu, volé, abîmé ou autre.' }).describe('lost (perdu), stolen (volé), damaged (abîmé), other'),
});

export const designationView = z.object({
  orderId: z.string(),
  prescriberId: z.string(),
  prescriberName: z.string(),
  designatedAt: z.string(),
  heldBooklets: z.number().int().describe('Carnets confiés et pas encore distribués'),
  distributedBooklets: z.number().int().nullable().describe('null : moins de 5, masqué pour le commanditaire'),
});

export const prescriberOrgView = z.object({ id: z.string(), name: z.string(), communeCode: z.string().nullable(), communeName: z.string().nullable() });

export const movementResultView = z.object({
  movementId: z.number().int(),
  kind: z.enum(MOVEMENT_KINDS),
  orderId: z.string(),
  fromOrganisationId: z.string().nullable(),
  toOrganisationId: z.string().nullable(),
  bookletCount: z.number().int(),
  serials: z.array(z.string()),
  serialsSummary: z.string(),
});

export const revocationView = z.object({ orderId: z.string(), prescriberId: z.string(), returnedBooklets: z.number().int() });

export const distributionResultView = z.object({
  id: z.string(),
  bookletSerial: z.string(),
  orderId: z.string(),
  publicCategory: z.string(),
  communeCode: z.string(),
  communeName: z.string(),
  ageBand: z.enum(AGE_BANDS).nullable(),
  distributedOn: z.string(),
  distributedAt: z.string(),
  passCount: z.number().int(),
  passesActive: z.boolean().describe('false tant que la commande n’est pas financée : les pass s’activeront alors'),
});

export const distributionView = z
  .object({
    id: z.string(),
    bookletSerial: z.string(),
    orderId: z.string(),
    orderReference: z.string(),
    prescriberId: z.string(),
    prescriberName: z.string(),
    publicCategory: z.string().nullable(),
    communeCode: z.string().nullable(),
    communeName: z.string().nullable(),
    ageBand: z.enum(AGE_BANDS).nullable(),
    distributedOn: z.string(),
    distributedAt: z.string(),
  })
  .describe('Pour un commanditaire, public, commune et tranche d’âge sont vides : il les voit en statistiques agrégées, jamais ligne à ligne');

/** Kept in the validated query, else `?format=csv` download links would silently get JSON. */
const format = z.enum(['csv', 'json']).optional().describe('`csv` : même effet que `Accept: text/csv`, pour un lien de téléchargement');

export const distributionsQuery = z.object({
  format,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  orderId: id.optional(),
  from: calendarDate.optional().describe('Date de distribution minimale (incluse)'),
  to: calendarDate.optional().describe('Date de distribution maximale (incluse)'),
});

export const stockQuery = z.object({
  format,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  orderId: id.optional(),
});

export const stockItemView = z.object({
  serial: z.string(),
  orderId: z.string(),
  orderReference: z.string(),
  status: z.enum(BOOKLET_STATUSES),
  validFrom: z.string(),
  validUntil: z.string(),
});

export const movementsQuery = z.object({
  format,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  orderId: id.optional(),
});

export const movementView = z.object({
  id: z.number().int(),
  kind: z.enum(MOVEMENT_KINDS),
  orderId: z.string(),
  orderReference: z.string(),
  fromOrganisationId: z.string().nullable(),
  fromOrganisationName: z.string().nullable(),
  toOrganisationId: z.string().nullable(),
  toOrganisationName: z.string().nullable(),
  bookletCount: z.number().int(),
  serialsSummary: z.string(),
  reason: z.enum(BLOCK_REASONS).nullable(),
  actorName: z.string().nullable(),
  actorOrganisationName: z.string().nullable(),
  at: z.string(),
});

export const blockView = z.object({
  serial: z.string(),
  status: z.literal('blocked'),
  previousStatus: z.enum(BOOKLET_STATUSES),
  reason: z.enum(BLOCK_REASONS),
  blockedPassCount: z.number().int(),
});

const statCell = z.object({ key: z.string(), label: z.string(), count: z.number().int().nullable().describe('null : moins de 5, masqué') });

export const statsView = z.object({
  orderId: z.string().nullable(),
  smallCellThreshold: z.number().int().describe('0 quand rien n’est masqué (opérateur)'),
  booklets: z.object({
    total: z.number().int(),
    inStock: z.number().int(),
    allotted: z.number().int(),
    distributed: z.number().int(),
    blocked: z.number().int(),
    expired: z.number().int(),
  }),
  byPrescriber: z.array(
    z.object({ prescriberId: z.string(), prescriberName: z.string(), held: z.number().int(), distributed: z.number().int().nullable().describe('null : moins de 5, masqué') }),
  ),
  byMonth: z.array(statCell),
  byPublic: z.array(statCell.extend({ priority: z.boolean() })),
  byCommune: z.array(statCell),
  byAgeBand: z.array(statCell),
  priorityShare: z.number().nullable().describe('Part (en %) des carnets distribués à des publics prioritaires ; null si masquée'),
});

export const MOVEMENT_KIND_LABELS: Record<MovementKind, string> = {
  allotment: 'Confiés au prescripteur',
  return: 'Rendus au commanditaire',
  revocation_return: 'Repris au retrait de la désignation',
  distribution: 'Distribué à un bénéficiaire',
  block: 'Bloqué',
};

export const BLOCK_REASON_LABELS: Record<BlockReason, string> = {
  lost: 'Perdu',
  stolen: 'Volé',
  damaged: 'Abîmé',
  other: 'Autre motif',
};

export const AGE_BAND_LABELS: Record<AgeBand, string> = {
  under_16: 'Moins de 16 ans',
  '16_25': '16 à 25 ans',
  '26_44': '26 à 44 ans',
  '45_59': '45 à 59 ans',
  '60_74': '60 à 74 ans',
  '75_plus': '75 ans et plus',
};

export const BOOKLET_STATUS_LABELS: Record<(typeof BOOKLET_STATUSES)[number], string> = {
  in_stock: 'En stock',
  allotted: 'Confié',
  distributed: 'Distribué',
  started: 'Entamé',
  used_up: 'Épuisé',
  blocked: 'Bloqué',
  expired: 'Expiré',
};
