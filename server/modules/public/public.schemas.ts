import { z } from 'zod';
import { PriseEnChargeSpecifique } from '@gouvfr-anct/lieux-de-mediation-numerique';
import { PLACE_SERVICES } from '../places/services.ts';

export const ACCESSIBILITY_OPTIONS = Object.values(PriseEnChargeSpecifique) as [string, ...string[]];

/** A checkbox (`on`), a query flag (`true`, `1`) or nothing. */
const flag = z
  .union([z.boolean(), z.string().max(5)])
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true' || v === '1');

/** An empty form field is "not given", not an invalid value. */
const optionalNumber = (min: number, max: number) =>
  z.preprocess((v) => (v === '' || v === undefined || v === null ? undefined : v), z.coerce.number().min(min).max(max).optional());

export const directoryQuery = z.object({
  q: z.string().trim().max(100).optional().describe('Commune (nom, code postal ou code INSEE) ou nom du lieu'),
  service: z.preprocess((v) => (v === '' ? undefined : v), z.enum(PLACE_SERVICES).optional()),
  gratuit: flag.describe('Seulement les lieux qui proposent ces services gratuitement'),
  accessibilite: z.preprocess((v) => (v === '' ? undefined : v), z.enum(ACCESSIBILITY_OPTIONS).optional()),
  lat: optionalNumber(-90, 90).describe('Position du visiteur (WGS 84), avec son accord'),
  lon: optionalNumber(-180, 180),
  cursor: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type DirectoryQuery = z.infer<typeof directoryQuery>;

export const publicPlaceItem = z.object({
  id: z.string(),
  name: z.string(),
  placeName: z.string(),
  address: z.string(),
  postalCode: z.string().nullable(),
  communeCode: z.string(),
  communeName: z.string(),
  services: z.array(z.string()),
  free: z.boolean(),
  accessibility: z.array(z.string()),
  openingHours: z.array(z.string()).describe('Une ligne par règle, en français'),
  openNow: z.boolean().nullable().describe('null quand les horaires sont inconnus ou hors du sous-ensemble compris'),
  contact: z.object({ phone: z.string().nullable(), email: z.string().nullable(), website: z.string().nullable() }),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  distanceKm: z.number().optional(),
});
export type PublicPlaceItem = z.infer<typeof publicPlaceItem>;

export const directoryReply = z.object({
  items: z.array(publicPlaceItem),
  nextCursor: z.string().nullable(),
  reference: z.object({ communeCode: z.string(), communeName: z.string() }).nullable().describe('La commune retenue pour « au plus près »'),
});
