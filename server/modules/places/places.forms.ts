import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { applicationInput, bankDetailsInput, siteInput, type ApplicationInput, type BankDetailsInput, type SiteInput } from './places.schemas.ts';

/** Form posts give a string for one checked box and an array for several. */
export const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined || value === '' ? [] : [String(value)]);

const str = (body: Record<string, unknown>, key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');

export interface SiteFormValues {
  name: string;
  address: string;
  postalCode: string;
  communeCode: string;
  openingHours: string;
  services: string[];
  free: boolean;
  /** Only on the application form (the site page edits these through the API for now). */
  latitude?: string;
  longitude?: string;
  phone?: string;
  email?: string;
  website?: string;
}

export function readSiteValues(body: Record<string, unknown>, prefix = ''): SiteFormValues {
  return {
    name: str(body, `${prefix}name`),
    address: str(body, `${prefix}address`),
    postalCode: str(body, `${prefix}postalCode`),
    communeCode: str(body, `${prefix}communeCode`),
    openingHours: str(body, `${prefix}openingHours`),
    services: asList(body[`${prefix}services`]),
    free: body[`${prefix}free`] === 'on' || body[`${prefix}free`] === 'true',
  };
}

/** "43,6" or "43.6" → 43.6; empty → undefined (not given); anything else → NaN, refused by the schema. */
const coordinate = (text: string | undefined) => {
  const t = (text ?? '').trim().replace(',', '.');
  if (t === '') return undefined;
  return /^[-+]?\d+(\.\d+)?$/.test(t) ? Number(t) : Number.NaN;
};
const optional = (text: string | undefined) => (text ?? '').trim() || undefined;

const siteCandidate = (v: SiteFormValues) => ({
  name: v.name,
  address: v.address,
  postalCode: v.postalCode.trim() || undefined,
  communeCode: v.communeCode,
  openingHours: v.openingHours,
  services: v.services,
  free: v.free,
  latitude: coordinate(v.latitude),
  longitude: coordinate(v.longitude),
  phone: optional(v.phone),
  email: optional(v.email),
  website: optional(v.website),
});

/** Errors on the coordinates that the schema cannot word well: not a number, or one without the other. */
function coordinateErrors(v: SiteFormValues, nameOf: (key: string) => string): FormErrors {
  const errors: FormErrors = {};
  const lat = coordinate(v.latitude);
  const lon = coordinate(v.longitude);
  if (Number.isNaN(lat)) errors[nameOf('latitude')] = 'nombre décimal attendu, par exemple 43.6045';
  if (Number.isNaN(lon)) errors[nameOf('longitude')] = 'nombre décimal attendu, par exemple 1.4440';
  if ((lat === undefined) !== (lon === undefined)) errors[nameOf(lat === undefined ? 'latitude' : 'longitude')] = 'indiquez la latitude et la longitude, ou aucune des deux';
  return errors;
}

export function readSiteForm(body: Record<string, unknown>): { values: SiteFormValues; input?: SiteInput; errors: FormErrors } {
  const values = readSiteValues(body);
  const parsed = siteInput.safeParse(siteCandidate(values));
  if (!parsed.success) return { values, errors: firstSegment(formErrors(parsed.error)) };
  return { values, input: parsed.data, errors: {} };
}

export interface ApplicationFormValues {
  name: string;
  siret: string;
  legalRepresentative: string;
  contactEmail: string;
  accountHolder: string;
  iban: string;
  bic: string;
  site: SiteFormValues;
}

/** Field names of the single-site application form: `site.name` in the API is `siteName` here. */
const SITE_PREFIX = 'site';
const sitePrefixed = (key: string) => `${SITE_PREFIX}${key.charAt(0).toUpperCase()}${key.slice(1)}`;

function firstSegment(errors: FormErrors): FormErrors {
  const out: FormErrors = {};
  for (const [path, message] of Object.entries(errors)) out[path.split('.')[0]!] ??= message;
  return out;
}

export function readApplicationForm(body: Record<string, unknown>): { values: ApplicationFormValues; input?: ApplicationInput; errors: FormErrors } {
  const site: SiteFormValues = {
    name: str(body, 'siteName'),
    address: str(body, 'siteAddress'),
    postalCode: str(body, 'sitePostalCode'),
    communeCode: str(body, 'siteCommuneCode'),
    openingHours: str(body, 'siteOpeningHours'),
    services: asList(body.siteServices),
    free: body.siteFree === 'on',
    latitude: str(body, 'siteLatitude'),
    longitude: str(body, 'siteLongitude'),
    phone: str(body, 'sitePhone'),
    email: str(body, 'siteEmail'),
    website: str(body, 'siteWebsite'),
  };
  const values: ApplicationFormValues = {
    name: str(body, 'name'),
    siret: str(body, 'siret'),
    legalRepresentative: str(body, 'legalRepresentative'),
    contactEmail: str(body, 'contactEmail'),
    accountHolder: str(body, 'accountHolder'),
    iban: str(body, 'iban'),
    bic: str(body, 'bic'),
    site,
  };
  const parsed = applicationInput.safeParse({
    name: values.name,
    siret: values.siret,
    legalRepresentative: values.legalRepresentative.trim() || undefined,
    contactEmail: values.contactEmail,
    accountHolder: values.accountHolder.trim() || undefined,
    iban: values.iban,
    bic: values.bic,
    sites: [siteCandidate(site)],
  });
  const errors: FormErrors = coordinateErrors(site, sitePrefixed);
  // The API leaves these optional for integrations; the form asks for them, as the label requires them.
  if (values.legalRepresentative.trim() === '') errors.legalRepresentative = 'indiquez le nom et la qualité du représentant légal';
  if (values.accountHolder.trim() === '') errors.accountHolder = 'indiquez le titulaire du compte, comme sur le RIB';
  if (!parsed.success) {
    for (const [path, message] of Object.entries(formErrors(parsed.error))) {
      const parts = path.split('.');
      const field = parts[0] === 'sites' ? sitePrefixed(parts[2] ?? 'name') : parts[0]!;
      errors[field] ??= message;
    }
  }
  if (!parsed.success || Object.keys(errors).length > 0) return { values, errors };
  return { values, input: parsed.data, errors };
}

/** The API's field paths (`sites.0.communeCode`) → the form's field names (`siteCommuneCode`). */
export function applicationErrorsToForm(errors: { path: string; message: string }[]): FormErrors {
  const out: FormErrors = {};
  for (const e of errors) {
    const parts = e.path.split('.');
    out[parts[0] === 'sites' ? sitePrefixed(parts[2] ?? 'name') : parts[0]!] ??= e.message;
  }
  return out;
}

export function readBankForm(body: Record<string, unknown>): { values: Record<string, string>; input?: BankDetailsInput; errors: FormErrors } {
  const values = { holder: str(body, 'holder'), iban: str(body, 'iban'), bic: str(body, 'bic') };
  const parsed = bankDetailsInput.safeParse(values);
  if (!parsed.success) return { values, errors: firstSegment(formErrors(parsed.error)) };
  return { values, input: parsed.data, errors: {} };
}
