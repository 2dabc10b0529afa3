import { z } from 'zod';
import { calendarDate, listQuery } from '../../shared/schemas.ts';

/** An empty filter field (a GET form sends `compte=`) means "no filter". */
const optionalFilter = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `${max} caractères au maximum`)
    .optional()
    .transform((v) => (v ? v : undefined));
const optionalDate = z
  .union([z.literal(''), calendarDate])
  .optional()
  .transform((v) => (v ? v : undefined));

export const ledgerAccountsQuery = z.object({
  prefix: optionalFilter(200).describe('Début du code de compte, par exemple `buyer:` ou `place:<id>:`'),
});

export const ledgerEntriesQuery = listQuery.extend({
  account: optionalFilter(200).describe('Code de compte, ou début de chemin (`bank` couvre aussi `bank:in_transit`)'),
  refType: optionalFilter(50).describe('Type de pièce : order, payment, redemption, batch…'),
  refId: optionalFilter(100),
  from: optionalDate.describe('Date de valeur minimale (incluse), AAAA-MM-JJ'),
  to: optionalDate.describe('Date de valeur maximale (incluse), AAAA-MM-JJ'),
});
export type LedgerEntriesQuery = z.infer<typeof ledgerEntriesQuery>;

export const ledgerAccountView = z.object({
  code: z.string(),
  name: z.string(),
  debitCents: z.number().int(),
  creditCents: z.number().int(),
  balanceCents: z.number().int().describe('Débit moins crédit'),
});

export const ledgerLineView = z.object({
  account: z.string(),
  accountName: z.string(),
  debitCents: z.number().int(),
  creditCents: z.number().int(),
});

export const ledgerEntryView = z.object({
  id: z.string(),
  seq: z.number().int(),
  kind: z.string(),
  refType: z.string(),
  refId: z.string(),
  refNumber: z.string().nullable().describe('Numéro de la pièce (CMD-, FAC-, AV-, RB-…, mois du lot, pass masqué) ; null si la pièce n’en a pas'),
  label: z.string(),
  valueDate: z.string().describe('Date de valeur (Europe/Paris)'),
  postedAt: z.string().describe('Instant d’enregistrement (UTC)'),
  reversesEntryId: z.string().nullable(),
  hash: z.string(),
  lines: z.array(ledgerLineView),
});
export type LedgerEntryView = z.infer<typeof ledgerEntryView>;

export const trialBalanceView = z.object({ debitCents: z.number().int(), creditCents: z.number().int(), balanced: z.boolean() });

/** French words for the entry kinds of finance.md; a kind not listed shows as is. */
export const ENTRY_KIND_LABELS: Record<string, string> = {
  order_approved: 'Commande validée',
  payment_received: 'Paiement reçu',
  redemption: 'Encaissement d’un pass',
  redemption_cancelled: 'Annulation d’encaissement',
  batch_exported: 'Lot de remboursement exporté',
  batch_paid: 'Lot de remboursement payé',
  payout_rejected: 'Virement rejeté',
  passes_expired: 'Expiration de pass',
};

export const REF_TYPE_LABELS: Record<string, string> = {
  order: 'Commande',
  invoice: 'Facture',
  payment: 'Paiement',
  redemption: 'Encaissement',
  batch: 'Lot de remboursement',
  payout: 'Virement',
  credit_note: 'Avoir',
};

export const entryKindLabel = (kind: string): string => ENTRY_KIND_LABELS[kind] ?? kind;
export const refTypeLabel = (refType: string): string => REF_TYPE_LABELS[refType] ?? refType;
