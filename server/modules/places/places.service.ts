import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { placeBankAccounts, places, placeSites, type PlaceStatus } from '../../../db/schema/places.ts';
import type { Clock } from '../../shared/clock.ts';
import { maskIban } from '../../shared/bank.ts';
import { badRequest, conflict, forbidden, notFound, unprocessable, type FieldError } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
import { credentialsChanged } from '../accounts/actor-cache.ts';
import { recordAudit } from '../audit/audit.ts';
import { recordSecurityEvent } from '../security/security-events.ts';
import { getTerritories } from '../territories/territories.ts';
import { assertPayableBankDetails } from './bank-rules.ts';
import { notifyBankDecision, notifyPlaceApplied, notifyPlaceDecision } from '../notifications/place-notices.ts';
import type { ApplicationInput, BankDetailsInput, PlaceView, SiteInput, SiteUpdate } from './places.schemas.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

export type PlaceRow = typeof places.$inferSelect;
export type SiteRow = typeof placeSites.$inferSelect;
export type BankAccountRow = typeof placeBankAccounts.$inferSelect;

const placeNotFound = () => notFound('place_not_found', 'Lieu introuvable.');

export function siteToView(site: SiteRow) {
  return {
    id: site.id,
    name: site.name,
    address: site.address,
    postalCode: site.postalCode,
    communeCode: site.communeCode,
    communeName: getTerritories().commune(site.communeCode)?.name ?? null,
    services: site.services,
    openingHours: site.openingHours,
    free: site.free,
    active: site.active,
    externalId: site.externalId,
  };
}

const bankAccountToView = (account: BankAccountRow) => ({
  id: account.id,
  holder: account.holder,
  ibanMasked: maskIban(account.iban),
  bic: account.bic,
  status: account.status,
  submittedAt: account.submittedAt,
});

export function sitesOf(db: DbOrTx, placeId: string, options: { activeOnly?: boolean } = {}): SiteRow[] {
  return db
    .select()
    .from(placeSites)
    .where(and(eq(placeSites.placeId, placeId), options.activeOnly ? eq(placeSites.active, true) : undefined))
    .orderBy(asc(placeSites.createdAt), asc(placeSites.name))
    .all();
}

function bankAccountsOf(db: DbOrTx, placeId: string): { validated?: BankAccountRow; pending?: BankAccountRow } {
  const rows = db
    .select()
    .from(placeBankAccounts)
    .where(and(eq(placeBankAccounts.placeId, placeId), inArray(placeBankAccounts.status, ['validated', 'pending'])))
    .all();
  return { validated: rows.find((r) => r.status === 'validated'), pending: rows.find((r) => r.status === 'pending') };
}

export { bankAccountForNewPayout } from './payable.ts';

export function findPlaceRow(db: DbOrTx, placeId: string): (PlaceRow & { name: string; siret: string | null }) | undefined {
  const row = db
    .select({ place: places, name: organisations.name, siret: organisations.siret })
    .from(places)
    .innerJoin(organisations, eq(organisations.id, places.organisationId))
    .where(eq(places.organisationId, placeId))
    .get();
  return row ? { ...row.place, name: row.name, siret: row.siret } : undefined;
}

export function placeToView(db: DbOrTx, placeId: string): PlaceView | undefined {
  const place = findPlaceRow(db, placeId);
  if (!place) return undefined;
  const { validated, pending } = bankAccountsOf(db, placeId);
  return {
    id: place.organisationId,
    name: place.name,
    siret: place.siret,
    pivot: place.pivot,
    status: place.status,
    statusReason: place.statusReason,
    legalRepresentative: place.legalRepresentative,
    contactEmail: place.contactEmail,
    source: place.source,
    acceptsPassNumerique: place.acceptsPassNumerique,
    labelledAt: place.labelledAt,
    createdAt: place.createdAt,
    bankStatus: pending ? 'pending' : validated ? 'validated' : 'missing',
    bankAccount: validated ? bankAccountToView(validated) : null,
    pendingBankAccount: pending ? bankAccountToView(pending) : null,
    sites: sitesOf(db, placeId).map(siteToView),
  };
}

/** The place if the actor may see it: the operator, or the place's own users. Otherwise undefined (404). */
export function findPlaceFor(db: DbOrTx, actor: Actor, placeId: string): PlaceView | undefined {
  if (!isOperator(actor) && actor.organisationId !== placeId) return undefined;
  return placeToView(db, placeId);
}

/** Full IBANs, for the finance staff who check them against the RIB before validating. */
export function bankAccountsForReview(db: DbOrTx, actor: Actor, placeId: string) {
  if (!isOperator(actor)) return undefined;
  const { validated, pending } = bankAccountsOf(db, placeId);
  return { validated, pending };
}

export function listPlaces(db: DbOrTx, actor: Actor, page: { limit: number; after?: { createdAt: string; id: string }; status?: PlaceStatus }) {
  const scope = isOperator(actor) ? undefined : eq(places.organisationId, actor.organisationId);
  const after = page.after ? sql`(${places.createdAt}, ${places.organisationId}) < (${page.after.createdAt}, ${page.after.id})` : undefined;
  return db
    .select({ id: places.organisationId, createdAt: places.createdAt })
    .from(places)
    .where(and(scope, after, page.status ? eq(places.status, page.status) : undefined))
    .orderBy(sql`${places.createdAt} DESC, ${places.organisationId} DESC`)
    .limit(page.limit + 1)
    .all();
}

export function countPlacesByStatus(db: DbOrTx): Record<PlaceStatus, number> {
  const counts: Record<PlaceStatus, number> = { applied: 0, labelled: 0, suspended: 0, rejected: 0 };
  for (const row of db.select({ status: places.status, n: sql<number>`count(*)` }).from(places).groupBy(places.status).all()) counts[row.status] = row.n;
  return counts;
}

function insertSite(tx: Tx, now: string, placeId: string, site: SiteInput & { externalId?: string | null; latitude?: number | null; longitude?: number | null }): SiteRow {
  const row: SiteRow = {
    id: newId(),
    placeId,
    name: site.name,
    address: site.address,
    postalCode: site.postalCode ?? null,
    communeCode: site.communeCode,
    openingHours: site.openingHours ?? null,
    services: [...new Set(site.services)],
    free: site.free,
    active: true,
    externalId: site.externalId ?? null,
    latitude: site.latitude ?? null,
    longitude: site.longitude ?? null,
    phone: site.phone ?? null,
    email: site.email ?? null,
    website: site.website ?? null,
    accessibility: [],
    accessibilityUrl: null,
    createdAt: now,
    updatedAt: now,
  };
  tx.insert(placeSites).values(row).run();
  return row;
}

/** Unknown INSEE codes are named in a 400, like every unknown reference code (api.md). */
function checkCommunes(sites: { communeCode?: string }[], pathOf: (i: number) => string): void {
  const territories = getTerritories();
  const errors: FieldError[] = [];
  sites.forEach((site, i) => {
    if (!site.communeCode || territories.commune(site.communeCode)) return;
    const current = territories.currentCommuneCode(site.communeCode);
    errors.push({ path: pathOf(i), message: `commune inconnue : ${site.communeCode}${current ? ` (code actuel : ${current})` : ''}` });
  });
  if (errors.length > 0) throw badRequest('unknown_reference_code', `Codes inconnus : ${errors.map((e) => e.message).join(', ')}.`, errors);
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
      const existing = tx
        .select({ id: organisations.id, place: places })
        .from(organisations)
        .leftJoin(places, eq(places.organisationId, organisations.id))
        .where(and(eq(organisations.kind, 'place'), eq(organisations.siret, input.siret)))
        .all();
      const claimable = existing.find((e) => e.place?.source === 'import' && e.place.status === 'applied' && e.place.contactEmail === null);
      if (existing.length > 0 && !claimable) {
        throw conflict('place_already_registered', `Un lieu est déjà enregistré avec le SIRET ${input.siret} : contactez l’opérateur du Pass numérique.`);
      }
      const first = input.sites[0]!;
      let placeId: string;
      if (claimable) {
        placeId = claimable.id;
        tx.update(organisations).set({ name: input.name, communeCode: first.communeCode, address: first.address }).where(eq(organisations.id, placeId)).run();
        // Its name is part of its users' identity (receipts, journal labels).
        credentialsChanged(tx);
        tx.update(places)
          .set({ legalRepresentative: input.legalRepresentative ?? null, contactEmail: input.contactEmail, appliedAt: now, updatedAt: now })
          .where(eq(places.organisationId, placeId))
          .run();
      } else {
        placeId = newId();
        tx.insert(organisations)
          .values({ id: placeId, kind: 'place', name: input.name, siret: input.siret, buyerType: null, communeCode: first.communeCode, address: first.address, status: 'active', createdAt: now })
          .run();
        tx.insert(places)
          .values({
            organisationId: placeId,
            status: 'applied',
            legalRepresentative: input.legalRepresentative ?? null,
            contactEmail: input.contactEmail,
            source: 'application',
            pivot: input.siret,
            appliedAt: now,
            createdAt: now,
            updatedAt: now,
          })
          .run();
      }
      for (const site of input.sites) insertSite(tx, now, placeId, site);
      tx.insert(placeBankAccounts)
        .values({
          id: newId(),
          placeId,
          holder: input.accountHolder ?? input.name,
          iban: input.iban,
          bic: input.bic,
          status: 'pending',
          submittedAt: now,
          submittedByUserId: actor?.userId ?? null,
        })
        .run();
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
  if (!isOperator(actor)) throw forbidden('forbidden', 'Seul l’opérateur décide de la labellisation des lieux.');
  const rule = PLACE_DECISIONS[decision];
  return db.transaction(
    (tx) => {
      const place = findPlaceRow(tx, placeId);
      if (!place) throw placeNotFound();
      if (decision === 'label' && sitesOf(tx, placeId, { activeOnly: true }).length === 0) {
        throw unprocessable('place_has_no_site', 'Ce lieu n’a aucun lieu d’accueil actif : ajoutez-en un avant de le labelliser.');
      }
      const now = clock.now().toISOString();
      const changed = tx
        .update(places)
        .set({
          status: rule.to,
          statusReason: decision === 'reject' || decision === 'suspend' ? (reason ?? null) : null,
          decidedAt: now,
          decidedByUserId: actor.userId,
          updatedAt: now,
          ...(rule.to === 'labelled' && !place.labelledAt ? { labelledAt: now } : {}),
        })
        .where(and(eq(places.organisationId, placeId), inArray(places.status, [...rule.from])))
        .run();
      if (changed.changes !== 1) {
        throw conflict('place_status_conflict', `Impossible de ${rule.verb} ce lieu : il est ${STATUS_WORDS[place.status]}.`);
      }
      recordAudit(tx, clock, actor, rule.audit, { type: 'place', id: placeId }, { from: place.status, to: rule.to, ...(reason ? { reason } : {}) });
      notifyPlaceDecision({ tx, clock, actor, place: { placeId, placeName: place.name, contactEmail: place.contactEmail }, decision, reason });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}

function assertCanManage(actor: Actor, placeId: string, what: string): void {
  const own = actor.organisationKind === 'place' && actor.organisationId === placeId && actor.role === 'admin';
  const operator = isOperator(actor) && actor.role === 'admin';
  if (!own && !operator) throw forbidden('forbidden', `Seuls les administrateurs du lieu (ou de l’opérateur) modifient ${what}.`);
}

function requirePlace(tx: DbOrTx, actor: Actor, placeId: string) {
  if (!isOperator(actor) && actor.organisationId !== placeId) throw placeNotFound();
  const place = findPlaceRow(tx, placeId);
  if (!place) throw placeNotFound();
  return place;
}

/**
 * New bank details are never in force at once: they wait as `pending` for finance, the previous
 * validated ones stay in force for what is already due, and the place stays out of new batches
 * until the change is validated. Submitting the details already in force changes nothing.
 */
export function submitBankDetails(deps: Deps & { actor: Actor; placeId: string; input: BankDetailsInput; operatorIban: string }): PlaceView {
  const { db, clock, actor, placeId, input } = deps;
  assertPayableBankDetails(input, { operatorIban: deps.operatorIban, holderField: 'holder' });
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      assertCanManage(actor, placeId, 'les coordonnées bancaires');
      const { validated, pending } = bankAccountsOf(tx, placeId);
      const same = (a?: BankAccountRow) => a && a.iban === input.iban && a.bic === input.bic && a.holder === input.holder;
      if (same(pending) || (same(validated) && !pending)) return placeToView(tx, placeId)!;
      const now = clock.now().toISOString();
      if (pending) {
        tx.update(placeBankAccounts).set({ status: 'replaced', replacedAt: now }).where(and(eq(placeBankAccounts.id, pending.id), eq(placeBankAccounts.status, 'pending'))).run();
      }
      // Back to the details in force: nothing new for finance to check.
      if (same(validated)) {
        recordAudit(tx, clock, actor, 'place.bank_details_change_withdrawn', { type: 'place', id: placeId });
        return placeToView(tx, placeId)!;
      }
      tx.insert(placeBankAccounts)
        .values({ id: newId(), placeId, holder: input.holder, iban: input.iban, bic: input.bic, status: 'pending', submittedAt: now, submittedByUserId: actor.userId })
        .run();
      recordAudit(tx, clock, actor, 'place.bank_details_submitted', { type: 'place', id: placeId }, {
        iban: maskIban(input.iban),
        previousIban: validated ? maskIban(validated.iban) : null,
      });
      recordSecurityEvent(tx, clock, {
        kind: 'place.bank_details_changed',
        userId: actor.userId,
        organisationId: placeId,
        data: { iban: maskIban(input.iban), previousIban: validated ? maskIban(validated.iban) : null },
      });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}

function assertFinance(actor: Actor): void {
  if (!isOperator(actor) || (actor.role !== 'finance' && actor.role !== 'admin')) {
    throw forbidden('forbidden', 'Seules les finances de l’opérateur valident les coordonnées bancaires.');
  }
}

/** Finance puts pending details in force; the previous ones are kept as `replaced`. Four eyes: not by who submitted them. */
export function validateBankDetails(deps: Deps & { actor: Actor; placeId: string }): PlaceView {
  const { db, clock, actor, placeId } = deps;
  assertFinance(actor);
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      const { pending } = bankAccountsOf(tx, placeId);
      if (!pending) throw conflict('no_pending_bank_details', 'Aucune coordonnée bancaire n’attend de validation pour ce lieu.');
      if (pending.submittedByUserId === actor.userId) {
        throw forbidden('four_eyes_required', 'Vous avez saisi ces coordonnées bancaires : une autre personne doit les valider.');
      }
      const now = clock.now().toISOString();
      tx.update(placeBankAccounts)
        .set({ status: 'replaced', replacedAt: now })
        .where(and(eq(placeBankAccounts.placeId, placeId), eq(placeBankAccounts.status, 'validated')))
        .run();
      const changed = tx
        .update(placeBankAccounts)
        .set({ status: 'validated', decidedAt: now, decidedByUserId: actor.userId })
        .where(and(eq(placeBankAccounts.id, pending.id), eq(placeBankAccounts.status, 'pending')))
        .run();
      if (changed.changes !== 1) throw conflict('no_pending_bank_details', 'Ces coordonnées bancaires ont changé entre-temps : rechargez la page.');
      recordAudit(tx, clock, actor, 'place.bank_details_validated', { type: 'place', id: placeId }, { bankAccountId: pending.id, iban: maskIban(pending.iban) });
      notifyBankDecision({ tx, clock, placeId, placeName: findPlaceRow(tx, placeId)!.name, iban: pending.iban, validated: true });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}

export function rejectBankDetails(deps: Deps & { actor: Actor; placeId: string; reason: string }): PlaceView {
  const { db, clock, actor, placeId, reason } = deps;
  assertFinance(actor);
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      const now = clock.now().toISOString();
      const { pending } = bankAccountsOf(tx, placeId);
      const changed = pending
        ? tx
            .update(placeBankAccounts)
            .set({ status: 'rejected', decidedAt: now, decidedByUserId: actor.userId, decisionReason: reason })
            .where(and(eq(placeBankAccounts.id, pending.id), eq(placeBankAccounts.status, 'pending')))
            .run().changes
        : 0;
      if (changed !== 1) throw conflict('no_pending_bank_details', 'Aucune coordonnée bancaire n’attend de validation pour ce lieu.');
      recordAudit(tx, clock, actor, 'place.bank_details_rejected', { type: 'place', id: placeId }, { bankAccountId: pending!.id, reason });
      notifyBankDecision({ tx, clock, placeId, placeName: findPlaceRow(tx, placeId)!.name, iban: pending!.iban, validated: false, reason });
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
      const site = tx.select().from(placeSites).where(and(eq(placeSites.id, siteId), eq(placeSites.placeId, placeId))).get();
      if (!site) throw notFound('site_not_found', 'Lieu d’accueil introuvable.');
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<SiteRow>;
      if (changes.services) changes.services = [...new Set(changes.services)];
      tx.update(placeSites)
        .set({ ...changes, updatedAt: clock.now().toISOString() })
        .where(eq(placeSites.id, siteId))
        .run();
      recordAudit(tx, clock, actor, 'place.site_updated', { type: 'place', id: placeId }, { siteId, fields: Object.keys(changes) });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}
