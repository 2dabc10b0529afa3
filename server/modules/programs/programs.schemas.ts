import { parseEuros } from '../../shared/money.ts';
import { z } from 'zod';
import { BUYER_TYPES } from '../../../db/schema/accounts.ts';
import { PROGRAM_STATUSES } from '../../../db/schema/programs.ts';
import { boundedText, calendarDate, listQuery } from '../../shared/schemas.ts';
import { isValidSiret, normalizeSiret } from '../../shared/siret.ts';

export const buyerType = z.enum(BUYER_TYPES);
export const programStatus = z.enum(PROGRAM_STATUSES);

const cents = (label: string) =>
  z.number({ message: `${label} : nombre entier de centimes attendu` }).int(`${label} : nombre entier de centimes attendu`).max(Number.MAX_SAFE_INTEGER);

const rateBasisPoints = z
  .number({ message: 'taux en points de base attendu (5000 = 50 %)' })
  .int('taux en points de base entier attendu (5000 = 50 %)')
  .min(1, 'le taux doit être d’au moins 1 point de base (0,01 %)')
  .max(10000, 'le taux ne peut pas dépasser 10000 points de base (100 %)');

// Duplicates are dropped rather than refused: a form with the same box ticked twice means the same thing.
const eligibleBuyerTypes = z
  .array(buyerType)
  .min(1, 'au moins un type de commanditaire éligible')
  .max(BUYER_TYPES.length)
  .transform((types) => BUYER_TYPES.filter((t) => types.includes(t)));

/** Chorus Pro identifiers: service codes and legal commitment numbers are short upper-case codes. */
const chorusCode = (label: string) =>
  z
    .string()
    .trim()
    .toUpperCase()
    .max(50, `${label} : 50 caractères au maximum`)
    .regex(/^[A-Z0-9][A-Z0-9 ._/-]*$/, `${label} : lettres, chiffres, espaces, points, tirets ou barres obliques`);

/** The State's paying service for the programme: the addressee of its calls for funds. */
export const programPayer = z.object({
  name: boundedText(200),
  siret: z
    .string()
    .max(20)
    .transform(normalizeSiret)
    .refine((s) => /^\d{14}$/.test(s), 'SIRET attendu : 14 chiffres')
    .refine(isValidSiret, 'SIRET invalide : la clé de contrôle ne correspond pas'),
  address: z.object({
    line: boundedText(200),
    postalCode: z.string().trim().regex(/^\d{5}$/, 'code postal attendu (5 chiffres)'),
    city: boundedText(100),
  }),
  serviceCode: chorusCode('code service').nullable().default(null).describe('Code service Chorus Pro du destinataire (BT-10)'),
  engagementNumber: chorusCode('numéro d’engagement').nullable().default(null).describe('Numéro d’engagement juridique (BT-13)'),
});
export type ProgramPayer = z.output<typeof programPayer>;

/**
 * What the payer still lacks before a call for funds can be sent through Chorus Pro: the State's
 * services route by service code and refuse an invoice without its legal commitment number.
 */
export function payerGaps(payer: ProgramPayer | null | undefined): string[] {
  if (!payer) return ['nom', 'SIRET', 'adresse', 'code service Chorus Pro', 'numéro d’engagement juridique'];
  const gaps: string[] = [];
  if (!payer.name) gaps.push('nom');
  if (!payer.siret) gaps.push('SIRET');
  if (!payer.address.line || !payer.address.postalCode || !payer.address.city) gaps.push('adresse');
  if (!payer.serviceCode) gaps.push('code service Chorus Pro');
  if (!payer.engagementNumber) gaps.push('numéro d’engagement juridique');
  return gaps;
}
const programPayerView = z.object({
  name: z.string(),
  siret: z.string(),
  address: z.object({ line: z.string(), postalCode: z.string(), city: z.string() }),
  serviceCode: z.string().nullable(),
  engagementNumber: z.string().nullable(),
});

const programFields = {
  name: boundedText(200),
  rateBasisPoints,
  eligibleBuyerTypes,
  envelopeCents: cents('enveloppe').min(1, 'l’enveloppe doit être positive'),
  startsOn: calendarDate,
  endsOn: calendarDate,
  minOrderCents: cents('montant minimal').min(1, 'le montant minimal doit être positif').nullable().optional(),
  perBuyerCapCents: cents('plafond par commanditaire').min(1, 'le plafond doit être positif').nullable().optional(),
  payer: programPayer.nullable().optional().describe('Payeur de la part de l’État, requis avant l’approbation d’une commande cofinancée'),
};

/** Cross-field rules, shared by creation and by edits once merged with the stored programme. */
export function programConsistencyIssues(v: {
  startsOn?: string;
  endsOn?: string;
  envelopeCents?: number;
  perBuyerCapCents?: number | null;
}): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (v.startsOn && v.endsOn && v.startsOn > v.endsOn) {
    issues.push({ path: 'endsOn', message: `la date de fin (${v.endsOn}) doit suivre la date de début (${v.startsOn})` });
  }
  if (v.envelopeCents !== undefined && v.perBuyerCapCents != null && v.perBuyerCapCents > v.envelopeCents) {
    issues.push({ path: 'perBuyerCapCents', message: 'le plafond par commanditaire ne peut pas dépasser l’enveloppe' });
  }
  return issues;
}

export const createProgramBody = z.object(programFields).superRefine((v, ctx) => {
  for (const issue of programConsistencyIssues(v)) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
});
export type CreateProgramInput = z.output<typeof createProgramBody>;

export const updateProgramBody = z
  .object({
    name: programFields.name.optional(),
    rateBasisPoints: rateBasisPoints.optional(),
    eligibleBuyerTypes: eligibleBuyerTypes.optional(),
    envelopeCents: programFields.envelopeCents.optional(),
    startsOn: calendarDate.optional(),
    endsOn: calendarDate.optional(),
    minOrderCents: programFields.minOrderCents,
    perBuyerCapCents: programFields.perBuyerCapCents,
    payer: programFields.payer,
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'indiquez au moins un champ à modifier' });
export type UpdateProgramInput = z.output<typeof updateProgramBody>;

export const programView = z.object({
  id: z.string(),
  name: z.string(),
  rateBasisPoints: z.number().int(),
  eligibleBuyerTypes: z.array(buyerType),
  envelopeCents: z.number().int(),
  committedCents: z.number().int().describe('Montants engagés par les commandes approuvées, au total'),
  releasedCents: z.number().int().describe('Parts de l’État restituées à l’enveloppe par les avoirs (pass expirés non utilisés)'),
  remainingCents: z.number().int().describe('envelopeCents − committedCents + releasedCents : ce que le programme peut encore engager'),
  minOrderCents: z.number().int().nullable(),
  perBuyerCapCents: z.number().int().nullable(),
  startsOn: z.string(),
  endsOn: z.string(),
  status: programStatus,
  createdAt: z.string(),
  payer: programPayerView.nullable(),
});
export type ProgramView = z.infer<typeof programView>;

export const programListQuery = listQuery.extend({
  status: programStatus.optional().describe('Filtrer par statut (ouvert ou clôturé)'),
});

// --- HTML forms: people type euros and percentages, the API takes cents and basis points --------

/** "50" → 5000, "33,33" → 3333. */
export function parsePercent(raw: unknown): number | undefined | null {
  if (typeof raw !== 'string') return raw === undefined ? undefined : null;
  const compact = raw.replace(/[\s\u00a0\u202f%]/g, '');
  if (compact === '') return undefined;
  if (!/^\d{1,3}([.,]\d{1,2})?$/.test(compact)) return null;
  const [whole, fraction = ''] = compact.split(/[.,]/) as [string, string?];
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Form field names → API field names, so that errors from the API schema land next to the right input. */
export const PROGRAM_FORM_FIELDS: Record<string, string> = {
  rateBasisPoints: 'ratePercent',
  envelopeCents: 'envelopeEuros',
  minOrderCents: 'minOrderEuros',
  perBuyerCapCents: 'perBuyerCapEuros',
  'payer.name': 'payerName',
  'payer.siret': 'payerSiret',
  'payer.address.line': 'payerLine',
  'payer.address.postalCode': 'payerPostalCode',
  'payer.address.city': 'payerCity',
  'payer.serviceCode': 'payerServiceCode',
  'payer.engagementNumber': 'payerEngagementNumber',
};

/** The payer's inputs on the programme form, in the order they are shown. */
export const PAYER_FORM_INPUTS = ['payerName', 'payerSiret', 'payerLine', 'payerPostalCode', 'payerCity', 'payerServiceCode', 'payerEngagementNumber'] as const;

/** The payer's inputs → the API's payer: all empty means no payer yet; optional codes left empty are null. */
function payerFromForm(form: Record<string, unknown>): Record<string, unknown> | null {
  const text = (key: (typeof PAYER_FORM_INPUTS)[number]) => (typeof form[key] === 'string' ? (form[key] as string) : '');
  if (PAYER_FORM_INPUTS.every((key) => text(key).trim() === '')) return null;
  const optional = (key: (typeof PAYER_FORM_INPUTS)[number]) => (text(key).trim() === '' ? null : text(key));
  return {
    name: text('payerName'),
    siret: text('payerSiret'),
    address: { line: text('payerLine'), postalCode: text('payerPostalCode'), city: text('payerCity') },
    serviceCode: optional('payerServiceCode'),
    engagementNumber: optional('payerEngagementNumber'),
  };
}

/**
 * Turns a posted programme form (creation or edit: both post every field) into the API body.
 * Values that cannot be read are passed on as NaN so that the API schema reports them with its
 * own message, on the right field.
 */
export function programFormToBody(form: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const money = (value: unknown, optionalNull: boolean) => {
    const parsed = parseEuros(value);
    if (parsed === null) return Number.NaN;
    if (parsed === undefined) return optionalNull ? null : undefined;
    return parsed;
  };
  for (const key of ['name', 'startsOn', 'endsOn'] as const) {
    if (typeof form[key] === 'string') body[key] = form[key];
  }
  const rate = parsePercent(form.ratePercent);
  body.rateBasisPoints = rate === null ? Number.NaN : rate;
  body.envelopeCents = money(form.envelopeEuros, false);
  body.minOrderCents = money(form.minOrderEuros, true);
  body.perBuyerCapCents = money(form.perBuyerCapEuros, true);
  const types = form.eligibleBuyerTypes;
  body.eligibleBuyerTypes = types === undefined ? [] : Array.isArray(types) ? types : [types];
  body.payer = payerFromForm(form);
  return body;
}
