/**
 * Reading a places file (ecosystem.md § 2): CSV or JSON rows of the digital-mediation places standard
 * v1 ("mednum") or of the data·inclusion export, each mapped to one site candidate, or rejected with
 * its reasons. No database: places.import.ts writes what this reads.
 */
import { isValidSiret } from '../../shared/siret.ts';
import { getTerritories, normaliseName } from '../territories/territories.ts';
import { parseCsv, splitMultiValue, type CsvRecord } from './csv-reader.ts';
import { checkOpeningHours } from './opening-hours.ts';
import { DATA_INCLUSION_THEMATIQUES, matchPlaceService, type PlaceService } from './services.ts';
import { PriseEnChargeSpecifique } from '@gouvfr-anct/lieux-de-mediation-numerique';
import { importJsonNotAList, unknownImportFormat, unreadableImportFile } from './places.errors.ts';

export type ImportFormat = 'mednum' | 'data-inclusion';

/** What one row says about one site, whatever the format it came in. */
export interface SiteCandidate {
  externalId: string;
  name: string;
  siret: string | null;
  /** SIRET, RNA or RIDET: what identifies the organisation when there is no SIRET. */
  pivot: string | null;
  address: string;
  postalCode: string | null;
  communeCode: string;
  openingHours: string | null;
  services: PlaceService[];
  free: boolean;
  acceptsPassNumerique: boolean;
  email: string | null;
  latitude: number | null;
  longitude: number | null;
  /** Public contact and accessibility of the site, published again in our open-data export. */
  phone: string | null;
  website: string | null;
  accessibility: string[];
  accessibilityUrl: string | null;
}

export type Mapped = { ok: true; candidate: SiteCandidate; warnings: string[] } | { ok: false; reasons: string[] };

export function detectFormat(headers: readonly string[]): ImportFormat | null {
  const has = (h: string) => headers.includes(h);
  if (has('pivot') || has('services') || has('horaires')) return 'mednum';
  if (has('siret') || has('frais') || has('thematiques') || has('horaires_ouverture')) return 'data-inclusion';
  return null;
}

const RNA = /^W\d{9}$/i;

function identity(siretCell: string, rnaCell: string, reasons: string[]): { siret: string | null; pivot: string | null } {
  const raw = siretCell.replace(/\s+/g, '');
  const rna = rnaCell.trim().toUpperCase();
  if (/^\d{14}$/.test(raw)) {
    if (/^0+$/.test(raw)) reasons.push(`SIRET factice : ${raw}`);
    else if (!isValidSiret(raw)) reasons.push(`SIRET invalide (clé de contrôle) : ${raw}`);
    else return { siret: raw, pivot: raw };
    return { siret: null, pivot: null };
  }
  if (RNA.test(raw)) return { siret: null, pivot: raw.toUpperCase() };
  if (RNA.test(rna)) return { siret: null, pivot: rna };
  if (raw !== '') reasons.push(`identifiant de structure invalide : « ${raw.slice(0, 20)} » (SIRET à 14 chiffres ou RNA attendu)`);
  else reasons.push('SIRET ou RNA manquant');
  return { siret: null, pivot: null };
}

function resolveCommune(codeInsee: string, postalCode: string, communeName: string): string | null {
  const territories = getTerritories();
  const code = codeInsee.trim().toUpperCase();
  if (code) {
    if (territories.commune(code)) return code;
    const current = territories.currentCommuneCode(code);
    if (current) return current;
  }
  if (/^\d{5}$/.test(postalCode)) {
    const candidates = territories.searchCommunes(postalCode, 100).filter((c) => c.postalCodes.includes(postalCode));
    const wanted = normaliseName(communeName);
    const byName = candidates.filter((c) => normaliseName(c.name) === wanted);
    if (byName.length === 1) return byName[0]!.code;
    if (candidates.length === 1) return candidates[0]!.code;
  }
  return null;
}

function coordinate(value: string | undefined, min: number, max: number): number | null {
  if (!value) return null;
  const n = Number(value.replace(',', '.'));
  return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

/** Fields both formats share, checked the same way. */
function common(
  cells: Record<string, string>,
  names: { id: string; siret: string; rna: string; hours: string; email: string },
  reasons: string[],
  warnings: string[],
) {
  const externalId = (cells[names.id] ?? '').slice(0, 200);
  if (!externalId) reasons.push('identifiant (id) manquant');
  const name = (cells.nom ?? '').slice(0, 200);
  if (!name) reasons.push('nom manquant');
  const address = [cells.adresse, cells.complement_adresse].filter(Boolean).join(', ').slice(0, 300);
  if (!cells.adresse) reasons.push('adresse manquante');
  const { siret, pivot } = identity(cells[names.siret] ?? '', cells[names.rna] ?? '', reasons);
  const postalCode = (cells.code_postal ?? '').trim();
  const communeCode = resolveCommune(cells.code_insee ?? cells._di_geocodage_code_insee ?? '', postalCode, cells.commune ?? '');
  if (!communeCode) {
    reasons.push(`commune introuvable (code INSEE « ${cells.code_insee ?? ''} », code postal « ${postalCode} », commune « ${cells.commune ?? ''} »)`);
  }
  let openingHours: string | null = null;
  const hours = cells[names.hours] ?? '';
  if (hours) {
    const checked = checkOpeningHours(hours);
    if (checked.ok) openingHours = checked.value;
    else warnings.push(`horaires ignorés (${checked.message})`);
  }
  const email = splitMultiValue(cells[names.email]).find((e) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e))?.toLowerCase() ?? null;
  return {
    externalId,
    name,
    siret,
    pivot,
    address,
    postalCode: /^\d{5}$/.test(postalCode) ? postalCode : null,
    communeCode: communeCode ?? '',
    openingHours,
    email,
    latitude: coordinate(cells.latitude, -90, 90),
    longitude: coordinate(cells.longitude, -180, 180),
    phone: (cells.telephone ?? '').slice(0, 40) || null,
    website: httpUrl(cells.site_web),
    accessibility: splitMultiValue(cells.prise_en_charge_specifique).filter((v) => ACCESSIBILITY.has(v)),
    accessibilityUrl: httpUrl(cells.fiche_acces_libre),
  };
}

const ACCESSIBILITY = new Set<string>(Object.values(PriseEnChargeSpecifique));

function httpUrl(cell: string | undefined): string | null {
  const value = splitMultiValue(cell)[0]?.slice(0, 500) ?? '';
  return /^https?:\/\/\S+$/i.test(value) ? value : null;
}

const PASS_HINT = /pass\s*num[ée]rique|aptic/i;

export function mapMednum(cells: Record<string, string>): Mapped {
  const reasons: string[] = [];
  const warnings: string[] = [];
  const base = common(cells, { id: 'id', siret: 'pivot', rna: 'pivot', hours: 'horaires', email: 'courriels' }, reasons, warnings);
  const services: PlaceService[] = [];
  for (const label of splitMultiValue(cells.services)) {
    const service = matchPlaceService(label);
    if (service) services.push(service);
    else warnings.push(`service inconnu ignoré : ${label}`);
  }
  const fees = splitMultiValue(cells.frais_a_charge).map((f) => f.toLowerCase());
  // v1 folded "Accepte le Pass numérique" into "Gratuit sous condition"; v0 files and free-text labels may still say it.
  const hints = [cells.autres_formations_labels, cells.labels_nationaux, cells.conditions_acces, cells.formations_labels].join(' ');
  if (reasons.length > 0) return { ok: false, reasons };
  return {
    ok: true,
    warnings,
    candidate: { ...base, services: [...new Set(services)], free: fees.includes('gratuit'), acceptsPassNumerique: PASS_HINT.test(hints) },
  };
}

/** data·inclusion lists come as `a,b`, `a|b` or a JSON array. */
function splitList(cell: string | undefined): string[] {
  return splitMultiValue(cell).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function mapDataInclusion(cells: Record<string, string>): Mapped {
  const reasons: string[] = [];
  const warnings: string[] = [];
  const base = common(cells, { id: 'id', siret: 'siret', rna: 'rna', hours: 'horaires_ouverture', email: 'courriel' }, reasons, warnings);
  const services = new Set<PlaceService>();
  for (const thematique of splitList(cells.thematiques)) {
    const service = DATA_INCLUSION_THEMATIQUES[thematique] ?? matchPlaceService(thematique);
    if (service) services.add(service);
  }
  const fees = splitList(cells.frais).map((f) => f.toLowerCase());
  if (reasons.length > 0) return { ok: false, reasons };
  return {
    ok: true,
    warnings,
    // The library maps pass-numerique to "Gratuit sous condition": read the raw value to keep it.
    candidate: { ...base, services: [...services], free: fees.includes('gratuit'), acceptsPassNumerique: fees.includes('pass-numerique') },
  };
}

/** The rows of an uploaded file: CSV text, or JSON (an array of objects, or `{rows: [...]}`). */
export function readImportRows(content: string | unknown): { headers: string[]; records: CsvRecord[] } {
  if (typeof content === 'string') {
    const trimmed = content.trim();
    if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return parseCsv(content);
    try {
      return readImportRows(JSON.parse(trimmed) as unknown);
    } catch {
      throw unreadableImportFile();
    }
  }
  const list = Array.isArray(content) ? content : (content as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(list)) throw importJsonNotAList();
  const headers = new Set<string>();
  const records = list.map((item, i) => {
    const cells: Record<string, string> = {};
    for (const [key, value] of Object.entries((item ?? {}) as Record<string, unknown>)) {
      const k = key.toLowerCase();
      headers.add(k);
      cells[k] = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('|') : String(value).trim();
    }
    return { line: i + 1, cells };
  });
  return { headers: [...headers], records };
}

/** The file read and its format recognised, before anything is written. */
export function prepareImport(content: string | unknown, forced?: ImportFormat): { format: ImportFormat; records: CsvRecord[] } {
  const { headers, records } = readImportRows(content);
  const format = forced ?? detectFormat(headers);
  if (!format) {
    throw unknownImportFormat();
  }
  return { format, records };
}
