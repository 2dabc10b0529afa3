/**
 * Loads places from the national open data (ecosystem.md § 2): the digital-mediation places standard
 * v1 CSV ("mednum") and the data·inclusion export. One row is one site; sites of the same SIRET (or
 * RNA) belong to one place. Re-importing a file is idempotent: a row whose id is known updates its
 * site (or leaves it alone when nothing changed); a new id with a known SIRET adds a site to that
 * place; otherwise a new place is created, in status `applied`: imported places are never labelled
 * until an operator reviews them. Reading the file is places.import-rows.ts, the queries
 * places.import.repository.ts.
 */
import type { Db, Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { CsvRecord } from './csv-reader.ts';
import { OWN_ID_PREFIX } from './own-ids.ts';
import type { SiteRow } from './places.repository.ts';
import type { ImportReport } from './places.schemas.ts';
import { mapDataInclusion, mapMednum, prepareImport, type ImportFormat, type SiteCandidate } from './places.import-rows.ts';
import { flagAcceptsPassNumerique, insertImportedPlace, insertImportedSite, placeIdByIdentity, placeRowOf, siteByExternalId, siteFromNoFile } from './places.import.repository.ts';
import { updateSiteRow } from './sites.repository.ts';

// Reading the file is places.import-rows.ts; callers of the import find its names here.
export { detectFormat, prepareImport, readImportRows, type ImportFormat, type SiteCandidate } from './places.import-rows.ts';
export type RowReport = ImportReport['rows'][number];

type SiteFieldNames = 'name' | 'address' | 'postalCode' | 'communeCode' | 'openingHours' | 'services' | 'free' | 'latitude' | 'longitude' | 'phone' | 'website' | 'accessibility' | 'accessibilityUrl';

function siteFields(c: (Pick<SiteCandidate, SiteFieldNames> & { email: string | null }) | SiteRow) {
  return {
    name: c.name,
    address: c.address,
    postalCode: c.postalCode,
    communeCode: c.communeCode,
    openingHours: c.openingHours,
    services: [...c.services],
    free: c.free,
    latitude: c.latitude,
    longitude: c.longitude,
    phone: c.phone,
    email: c.email,
    website: c.website,
    accessibility: [...c.accessibility],
    accessibilityUrl: c.accessibilityUrl,
  };
}

const sameFields = (a: ReturnType<typeof siteFields>, b: ReturnType<typeof siteFields>) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Our own open-data export names sites that came from no file `pass-numerique-<site id>`
 * (public/open-data.ts): reading that export back finds the same sites instead of duplicating them.
 */
function ownExportedSite(tx: Tx, externalId: string) {
  if (!externalId.startsWith(OWN_ID_PREFIX)) return undefined;
  return siteFromNoFile(tx, externalId.slice(OWN_ID_PREFIX.length));
}

function upsert(tx: Tx, now: string, candidate: SiteCandidate): Pick<RowReport, 'result' | 'placeId' | 'siteId'> {
  const fields = siteFields(candidate);
  const existing = siteByExternalId(tx, candidate.externalId) ?? ownExportedSite(tx, candidate.externalId);
  if (existing) {
    const place = placeRowOf(tx, existing.placeId)!;
    // The flag is a hint for the reviewer: a place already labelled (our own export says so) needs none.
    const flagRaised = candidate.acceptsPassNumerique && !place.acceptsPassNumerique && place.status !== 'labelled';
    if (flagRaised) flagAcceptsPassNumerique(tx, place.organisationId, now);
    const current = siteFields(existing);
    if (sameFields(current, fields)) return { result: flagRaised ? 'updated' : 'unchanged', placeId: existing.placeId, siteId: existing.id };
    updateSiteRow(tx, existing.id, { ...fields, updatedAt: now });
    return { result: 'updated', placeId: existing.placeId, siteId: existing.id };
  }
  let placeId = placeIdByIdentity(tx, candidate);
  if (placeId) {
    if (candidate.acceptsPassNumerique) flagAcceptsPassNumerique(tx, placeId, now);
  } else {
    placeId = newId();
    insertImportedPlace(tx, {
      placeId,
      name: candidate.name,
      siret: candidate.siret,
      pivot: candidate.pivot,
      communeCode: candidate.communeCode,
      address: candidate.address,
      acceptsPassNumerique: candidate.acceptsPassNumerique,
      now,
    });
  }
  const siteId = newId();
  insertImportedSite(tx, { id: siteId, placeId, externalId: candidate.externalId, active: true, createdAt: now, updatedAt: now, ...fields });
  return { result: 'created', placeId, siteId };
}

/**
 * Imports records[from, to) in the caller's transaction. `seen` maps the identifiers met so far to
 * their line (a duplicate in the file is rejected); a job resuming at `from` rebuilds it with
 * seenBefore, which only maps rows (no database).
 */
export function importRecords(tx: Tx, input: { format: ImportFormat; records: CsvRecord[]; from: number; to: number; now: string; seen: Map<string, number> }): RowReport[] {
  const map = input.format === 'mednum' ? mapMednum : mapDataInclusion;
  return input.records.slice(input.from, input.to).map((record) => {
    const mapped = map(record.cells);
    const base = { line: record.line, id: record.cells.id || null, name: record.cells.nom || null, acceptsPassNumerique: false };
    if (!mapped.ok) return { ...base, result: 'rejected' as const, placeId: null, siteId: null, reasons: mapped.reasons };
    const earlier = input.seen.get(mapped.candidate.externalId);
    if (earlier !== undefined) {
      return { ...base, result: 'rejected' as const, placeId: null, siteId: null, reasons: [`identifiant en double dans le fichier (déjà vu ligne ${earlier})`] };
    }
    input.seen.set(mapped.candidate.externalId, record.line);
    const outcome = upsert(tx, input.now, mapped.candidate);
    return { ...base, ...outcome, acceptsPassNumerique: mapped.candidate.acceptsPassNumerique, reasons: mapped.warnings };
  });
}

/** The identifiers of records[0, from) that were accepted, as importRecords left them in `seen`. */
export function seenBefore(format: ImportFormat, records: CsvRecord[], from: number): Map<string, number> {
  const map = format === 'mednum' ? mapMednum : mapDataInclusion;
  const seen = new Map<string, number>();
  for (const record of records.slice(0, from)) {
    const mapped = map(record.cells);
    if (mapped.ok && !seen.has(mapped.candidate.externalId)) seen.set(mapped.candidate.externalId, record.line);
  }
  return seen;
}

/** The report of a whole import, and its audit record (in the transaction of its last rows). */
export function finishImport(tx: Tx, clock: Clock, actor: Pick<Actor, 'userId' | 'organisationId'> | null, format: ImportFormat, rows: RowReport[]): ImportReport {
  const count = (result: RowReport['result']) => rows.filter((r) => r.result === result).length;
  const report: ImportReport = { format, total: rows.length, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), rejected: count('rejected'), rows };
  recordAudit(tx, clock, actor, 'places.imported', { type: 'place' }, {
    format,
    total: report.total,
    created: report.created,
    updated: report.updated,
    unchanged: report.unchanged,
    rejected: report.rejected,
  });
  return report;
}

/**
 * Imports one file in one transaction: a crash leaves nothing half-loaded. Files of more than
 * ASYNC_IMPORT_ROWS rows go through places.import-job.ts instead, in chunks of short transactions.
 */
export function importPlaces(deps: { db: Db; clock: Clock; actor: Actor | null; content: string | unknown; format?: ImportFormat }): ImportReport {
  const { db, clock, actor } = deps;
  const { format, records } = prepareImport(deps.content, deps.format);
  return db.transaction(
    (tx) => {
      const rows = importRecords(tx, { format, records, from: 0, to: records.length, now: clock.now().toISOString(), seen: new Map() });
      return finishImport(tx, clock, actor, format, rows);
    },
    { behavior: 'immediate' },
  );
}
