/**
 * The labelled places as open data in the national standard of digital-mediation places (schéma
 * des lieux de médiation numérique v1): each row goes through ANCT's own model
 * (`fromSchemaLieuDeMediationNumerique`, which throws on an invalid field) and back out through its
 * serialiser, so what we publish is what the national tools read. v1 has no "Pass numérique"
 * field: acceptance is written as the standard folds it (`frais_a_charge` "Gratuit sous condition")
 * plus the label in `autres_formations_labels`, which our import (and v0 readers) recognise.
 */
import {
  fromSchemaLieuDeMediationNumerique,
  toSchemaLieuMediationNumerique,
  type SchemaLieuMediationNumerique,
} from '@gouvfr-anct/lieux-de-mediation-numerique';
import type { DbOrTx } from '../../../db/client.ts';
import { OWN_ID_PREFIX } from '../places/own-ids.ts';
import { getTerritories } from '../territories/territories.ts';
import { publishedSites } from '../places/directory.repository.ts';
import type { PublicSiteRow } from '../places/directory.repository.ts';

/** The v1 columns, in the standard's order. */
export const OPEN_DATA_COLUMNS = [
  'id', 'pivot', 'nom', 'commune', 'code_postal', 'code_insee', 'adresse', 'complement_adresse', 'latitude', 'longitude',
  'typologie', 'telephone', 'courriels', 'site_web', 'horaires', 'presentation_resume', 'presentation_detail', 'source',
  'itinerance', 'structure_parente', 'date_maj', 'services', 'publics_specifiquement_adresses', 'prise_en_charge_specifique',
  'frais_a_charge', 'dispositif_programmes_nationaux', 'formations_labels', 'autres_formations_labels', 'modalites_acces',
  'modalites_accompagnement', 'fiche_acces_libre', 'prise_rdv',
] as const;

export const PASS_NUMERIQUE_LABEL = 'Pass numérique (APTIC)';

function schemaRow(site: PublicSiteRow): SchemaLieuMediationNumerique | null {
  const pivot = site.siret ?? site.pivot;
  const commune = getTerritories().commune(site.communeCode);
  // The standard requires a postal code; a commune with a single one gives it unambiguously.
  const postalCode = site.postalCode ?? (commune?.postalCodes.length === 1 ? commune.postalCodes[0] : undefined);
  if (!pivot || !commune || !postalCode) return null;
  return {
    id: site.externalId ?? `${OWN_ID_PREFIX}${site.id}`,
    pivot,
    nom: site.name,
    commune: commune.name,
    code_postal: postalCode,
    code_insee: commune.code,
    adresse: site.address,
    ...(site.latitude !== null && site.longitude !== null ? { latitude: site.latitude, longitude: site.longitude } : {}),
    ...(site.phone ? { telephone: site.phone } : {}),
    ...(site.email ? { courriels: site.email } : {}),
    ...(site.website ? { site_web: site.website } : {}),
    ...(site.openingHours ? { horaires: site.openingHours } : {}),
    source: 'Pass numérique',
    structure_parente: site.placeName,
    date_maj: site.updatedAt.slice(0, 10),
    ...(site.services.length > 0 ? { services: site.services.join('|') } : {}),
    ...(site.accessibility.length > 0 ? { prise_en_charge_specifique: site.accessibility.join('|') } : {}),
    frais_a_charge: site.free ? 'Gratuit|Gratuit sous condition' : 'Gratuit sous condition',
    autres_formations_labels: PASS_NUMERIQUE_LABEL,
    ...(site.accessibilityUrl ? { fiche_acces_libre: site.accessibilityUrl } : {}),
  };
}

/**
 * Every labelled place's sites as rows of the standard, validated by ANCT's model. A site the
 * model refuses (a pivot that is neither SIRET nor RNA…) is left out and counted, never published half-valid.
 */
export function openDataRows(db: DbOrTx): { rows: SchemaLieuMediationNumerique[]; skipped: number } {
  const rows: SchemaLieuMediationNumerique[] = [];
  let skipped = 0;
  for (const site of publishedSites(db)) {
    const row = schemaRow(site);
    try {
      if (!row) throw new Error('incomplete');
      rows.push(toSchemaLieuMediationNumerique(fromSchemaLieuDeMediationNumerique(row)));
    } catch {
      skipped++;
    }
  }
  return { rows, skipped };
}

function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The standard's CSV: UTF-8, comma separator, `.` decimal point, `|` between values, CRLF. */
export function openDataCsv(rows: SchemaLieuMediationNumerique[]): string {
  const lines = [OPEN_DATA_COLUMNS.join(',')];
  for (const row of rows) lines.push(OPEN_DATA_COLUMNS.map((c) => csvCell((row as Record<string, unknown>)[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
