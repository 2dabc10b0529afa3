import type { Db } from '../../../db/client.ts';
import type { PlaceStatus } from '../../../db/schema/places.ts';
import type { Clock } from '../../shared/clock.ts';
import type { FieldError } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { credentialsChanged } from '../identity/actor-cache.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { getTerritories } from '../territories/territories.ts';
import { assertPayableBankDetails } from './bank-rules.ts';
import { notifyPlaceApplied, notifyPlaceDecision } from './place-notices.ts';
import type { ApplicationInput, PlaceView, SiteInput, SiteUpdate } from './places.schemas.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

// The module's parts, re-exported: routes and other modules import places from here.
export * from './places.repository.ts';
export * from './places.views.ts';
export * from './places.bank-details.ts';
export { bankAccountForNewPayout } from './bank-accounts.repository.ts';
import { findPlaceRow, insertSite, sitesOf, type SiteRow } from './places.repository.ts';
import { placeToView } from './places.views.ts';
import { assertCanManage, requirePlace } from './places.access.ts';
import {
  onlyOperatorDecides,
  placeAlreadyRegistered,
  placeHasNoSiteToLabel,
  placeNotFound,
  placeStatusConflict,
  siteNotFound,
  unknownCommuneCodes,
} from './places.errors.ts';
import { insertPendingBankAccount } from './bank-accounts.repository.ts';
import { claimImportedPlace, insertAppliedPlace, placeOrganisationsWithSiret, setPlaceStatus } from './labelling.repository.ts';
import { findSiteOfPlace, updateSiteRow } from './sites.repository.ts';
/** Unknown INSEE codes are named in a 400, like every unknown reference code (api.md). */
function checkCommunes(sites: { communeCode?: string }[], pathOf: (i: number) => string): void {
  const territories = getTerritories();
  const errors: FieldError[] = [];
  sites.forEach((site, i) => {
    if (!site.communeCode || territories.commune(site.communeCode)) return;
    const current = territories.currentCommuneCode(site.communeCode);
    errors.push({ path: pathOf(i), message: `commune inconnue : ${site.communeCode}${current ? ` (code actuel : ${current})` : ''}` });
  });
  if (errors.length > 0) throw unknownCommuneCodes(errors);
}

/**
 * A public application for the label (no account needed). Creates the place organisation in
 * status `applied`, its sites and its bank details (pending finance validation). An organisation
 * already imported from the open data with this SIRET and nobody behind it yet takes the application;
 * any other existing place with this SIRET is a conflict.
 */
export function applyForLabel(deps: Deps & { input: ApplicationInput; actor?: Actor | null; operatorIban: string }): { id: string; status: PlaceStatus } {
  const { db, clock, input, actor = null } = deps;
  checkCommunes(input.sites, (i) => `sites.${i}.communeCode`);
  assertPayableBankDetails(
    { holder: input.accountHolder ?? input.name, iban: input.iban },
    { operatorIban: deps.operatorIban, holderField: input.accountHolder === undefined ? 'name' : 'accountHolder' },
  );
  return db.transaction(
    (tx) => {
      const now = clock.now().toISOString();
      const existing = placeOrganisationsWithSiret(tx, input.siret);
      const claimable = existing.find((e) => e.place?.source === 'import' && e.place.status === 'applied' && e.place.contactEmail === null);
      if (existing.length > 0 && !claimable) {
        throw placeAlreadyRegistered(input.siret);
      }
      const first = input.sites[0]!;
      let placeId: string;
      if (claimable) {
        placeId = claimable.id;
        claimImportedPlace(
          tx,
          placeId,
          { name: input.name, communeCode: first.communeCode, address: first.address },
          { legalRepresentative: input.legalRepresentative ?? null, contactEmail: input.contactEmail, appliedAt: now },
        );
        // Its name is part of its users' identity (receipts, journal labels).
        credentialsChanged(tx);
      } else {
        placeId = newId();
        insertAppliedPlace(tx, {
          placeId,
          name: input.name,
          siret: input.siret,
          communeCode: first.communeCode,
          address: first.address,
          legalRepresentative: input.legalRepresentative ?? null,
          contactEmail: input.contactEmail,
          now,
        });
      }
      for (const site of input.sites) insertSite(tx, now, placeId, site);
      insertPendingBankAccount(tx, { placeId, holder: input.accountHolder ?? input.name, iban: input.iban, bic: input.bic, submittedAt: now, submittedByUserId: actor?.userId ?? null });
      recordAudit(tx, clock, actor, 'place.applied', { type: 'place', id: placeId }, { siret: input.siret, sites: input.sites.length, claimedImport: Boolean(claimable) });
      notifyPlaceApplied({ tx, clock, place: { placeId, placeName: input.name, contactEmail: input.contactEmail } });
      return { id: placeId, status: 'applied' as const };
    },
    { behavior: 'immediate' },
  );
}

export const PLACE_DECISIONS = {
  label: { from: ['applied'], to: 'labelled', audit: 'place.labelled', verb: 'labelliser' },
  reject: { from: ['applied'], to: 'rejected', audit: 'place.rejected', verb: 'refuser' },
  suspend: { from: ['labelled'], to: 'suspended', audit: 'place.suspended', verb: 'suspendre' },
  reinstate: { from: ['suspended'], to: 'labelled', audit: 'place.reinstated', verb: 'rétablir' },
} as const satisfies Record<string, { from: readonly PlaceStatus[]; to: PlaceStatus; audit: string; verb: string }>;
export type PlaceDecision = keyof typeof PLACE_DECISIONS;

const STATUS_WORDS: Record<PlaceStatus, string> = { applied: 'candidat', labelled: 'labellisé', suspended: 'suspendu', rejected: 'refusé' };

/** Operator review: label, reject (with a reason), suspend (with a reason), reinstate. Each one audited, each one a conditional UPDATE. */
export function decideOnPlace(deps: Deps & { actor: Actor; placeId: string; decision: PlaceDecision; reason?: string }): PlaceView {
  const { db, clock, actor, placeId, decision, reason } = deps;
  if (!isOperator(actor)) throw onlyOperatorDecides();
  const rule = PLACE_DECISIONS[decision];
  return db.transaction(
    (tx) => {
      const place = findPlaceRow(tx, placeId);
      if (!place) throw placeNotFound();
      if (decision === 'label' && sitesOf(tx, placeId, { activeOnly: true }).length === 0) {
        throw placeHasNoSiteToLabel();
      }
      const now = clock.now().toISOString();
      const changed = setPlaceStatus(tx, {
        placeId,
        from: rule.from,
        to: rule.to,
        statusReason: decision === 'reject' || decision === 'suspend' ? (reason ?? null) : null,
        now,
        decidedByUserId: actor.userId,
        firstLabelled: rule.to === 'labelled' && !place.labelledAt,
      });
      if (!changed) {
        throw placeStatusConflict(rule.verb, STATUS_WORDS[place.status]);
      }
      recordAudit(tx, clock, actor, rule.audit, { type: 'place', id: placeId }, { from: place.status, to: rule.to, ...(reason ? { reason } : {}) });
      notifyPlaceDecision({ tx, clock, actor, place: { placeId, placeName: place.name, contactEmail: place.contactEmail }, decision, reason });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}

export function addSite(deps: Deps & { actor: Actor; placeId: string; input: SiteInput }): PlaceView {
  const { db, clock, actor, placeId, input } = deps;
  checkCommunes([input], () => 'communeCode');
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      assertCanManage(actor, placeId, 'les lieux d’accueil');
      const site = insertSite(tx, clock.now().toISOString(), placeId, input);
      recordAudit(tx, clock, actor, 'place.site_added', { type: 'place', id: placeId }, { siteId: site.id, communeCode: site.communeCode });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}

/** Sites are never deleted (redemptions point at them): `active: false` closes one. */
export function updateSite(deps: Deps & { actor: Actor; placeId: string; siteId: string; input: SiteUpdate }): PlaceView {
  const { db, clock, actor, placeId, siteId, input } = deps;
  checkCommunes([input], () => 'communeCode');
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      assertCanManage(actor, placeId, 'les lieux d’accueil');
      const site = findSiteOfPlace(tx, placeId, siteId);
      if (!site) throw siteNotFound();
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<SiteRow>;
      if (changes.services) changes.services = [...new Set(changes.services)];
      updateSiteRow(tx, siteId, { ...changes, updatedAt: clock.now().toISOString() });
      recordAudit(tx, clock, actor, 'place.site_updated', { type: 'place', id: placeId }, { siteId, fields: Object.keys(changes) });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}
