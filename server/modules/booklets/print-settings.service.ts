/**
 * The buyer's design of its booklets (cover title and message, logo, beneficiary letter) and the
 * proof loop around it: every change produces a new proof version; the buyer accepts the version
 * it sees or rejects it with a comment; every version stays, with who made and decided it and when.
 * The print file is made from the accepted version's frozen settings, never from later edits.
 */
import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import type { PrintSettingsSnapshot } from '../../../db/schema/print-settings.ts';
import type { Clock } from '../../shared/clock.ts';
import { addFrenchWorkingDays } from '../../shared/french-holidays.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { notifyProofDecision } from '../notifications/lifecycle-notices.ts';
import { findOrderFor, type OrderRow } from '../order-records/order-records.repository.ts';
import { describeOpeningHours } from '../places/opening-hours.ts';
import { rankSites } from '../places/directory.ts';
import { publishedSites } from '../places/directory.repository.ts';
import { getTerritories } from '../territories/territories.ts';
import type { BookletDesign } from '../../../templates/pdf/booklet.ts';
import { reencodeLogo } from './logo.ts';
import * as repo from './print-settings.repository.ts';
import type { PrintSettingsInput } from './print-settings.schemas.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { nothingToDesignYet, onlyBuyerDesigns, proofAlreadyAccepted, proofNotWaiting, proofRejected } from './booklets.errors.ts';



/** The order if the actor is its buyer and its booklets exist; the operator may look, not change. */
function buyersOrder(db: DbOrTx, actor: Actor, orderId: string): OrderRow {
  const order = findOrderFor(db, actor, orderId);
  if (!order) throw orderNotFound();
  if (actor.organisationKind !== 'buyer' || order.buyerId !== actor.organisationId) {
    throw onlyBuyerDesigns();
  }
  if (order.status !== 'approved' && order.status !== 'closed') {
    throw nothingToDesignYet();
  }
  return order;
}

/**
 * The version the buyer is looking at: the open one (waiting or accepted), else the last rejected
 * one (it stays on screen until a change makes the next), else a first version of the current settings.
 */
export function currentVersion(tx: DbOrTx, clock: Clock, orderId: string): repo.ProofVersionRow {
  const latest = repo.latestVersion(tx, orderId);
  if (latest && latest.status !== 'superseded') return latest;
  const row = { id: newId(), orderId, version: (latest?.version ?? 0) + 1, settings: repo.snapshotOf(repo.findSettings(tx, orderId)), status: 'waiting' as const, createdAt: clock.now().toISOString(), createdByUserId: null };
  repo.insertVersion(tx, row);
  return { ...row, decidedAt: null, decidedByUserId: null, comment: null };
}

/** A setting changed: the waiting version (if any) is superseded and a new one, with the new settings, waits. */
function newVersionAfterChange(tx: Tx, clock: Clock, actor: Actor, orderId: string): void {
  const now = clock.now().toISOString();
  const latest = repo.latestVersion(tx, orderId);
  if (latest?.status === 'accepted') throw proofAlreadyAccepted();
  if (latest?.status === 'waiting') repo.decideVersion(tx, latest.id, 'waiting', { status: 'superseded', decidedAt: now, decidedByUserId: actor.userId });
  repo.insertVersion(tx, {
    id: newId(),
    orderId,
    version: (latest?.version ?? 0) + 1,
    settings: repo.snapshotOf(repo.findSettings(tx, orderId)),
    status: 'waiting',
    createdAt: now,
    createdByUserId: actor.userId,
  });
}

function assertEditable(tx: DbOrTx, orderId: string): void {
  if (repo.latestVersion(tx, orderId)?.status === 'accepted') {
    throw proofAlreadyAccepted();
  }
}

export function updatePrintSettings(deps: { db: Db; clock: Clock; actor: Actor; orderId: string; input: PrintSettingsInput }) {
  const { db, clock, actor, orderId, input } = deps;
  db.transaction(
    (tx) => {
      buyersOrder(tx, actor, orderId);
      assertEditable(tx, orderId);
      const current = repo.snapshotOf(repo.findSettings(tx, orderId));
      const next: PrintSettingsSnapshot = {
        coverTitle: input.coverTitle === undefined ? current.coverTitle : input.coverTitle,
        coverMessage: input.coverMessage === undefined ? current.coverMessage : input.coverMessage,
        letterText: input.letterText === undefined ? current.letterText : input.letterText,
        logoSha256: current.logoSha256,
      };
      if (JSON.stringify(next) === JSON.stringify(current)) return; // nothing changed: no new version
      repo.saveSettings(tx, { orderId, ...next, updatedAt: clock.now().toISOString(), updatedByUserId: actor.userId });
      newVersionAfterChange(tx, clock, actor, orderId);
      recordAudit(tx, clock, actor, 'order.print_settings_changed', { type: 'order', id: orderId });
    },
    { behavior: 'immediate' },
  );
  return printSettingsFor({ db, actor, orderId });
}

export function putLogo(deps: { db: Db; clock: Clock; actor: Actor; orderId: string; contentType: string | undefined; body: Buffer }) {
  const { db, clock, actor, orderId } = deps;
  // Decoding is CPU work: done before the transaction, which stays short.
  const logo = reencodeLogo({ contentType: deps.contentType, body: deps.body });
  db.transaction(
    (tx) => {
      buyersOrder(tx, actor, orderId);
      assertEditable(tx, orderId);
      const now = clock.now().toISOString();
      const current = repo.snapshotOf(repo.findSettings(tx, orderId));
      if (current.logoSha256 === logo.sha256) return;
      repo.saveLogo(tx, logo, now);
      repo.saveSettings(tx, { orderId, ...current, logoSha256: logo.sha256, updatedAt: now, updatedByUserId: actor.userId });
      newVersionAfterChange(tx, clock, actor, orderId);
      recordAudit(tx, clock, actor, 'order.print_logo_changed', { type: 'order', id: orderId }, { width: logo.width, height: logo.height });
    },
    { behavior: 'immediate' },
  );
  return printSettingsFor({ db, actor, orderId });
}

export function rejectProof(deps: { db: Db; clock: Clock; actor: Actor; orderId: string; comment: string }) {
  const { db, clock, actor, orderId } = deps;
  return db.transaction(
    (tx) => {
      buyersOrder(tx, actor, orderId);
      const version = currentVersion(tx, clock, orderId);
      if (version.status !== 'waiting') {
        throw proofNotWaiting(version.status);
      }
      repo.decideVersion(tx, version.id, 'waiting', { status: 'rejected', decidedAt: clock.now().toISOString(), decidedByUserId: actor.userId, comment: deps.comment });
      recordAudit(tx, clock, actor, 'order.print_proof_rejected', { type: 'order', id: orderId }, { version: version.version });
      notifyProofDecision({ tx, clock, orderId, accepted: false, version: version.version, comment: deps.comment });
      return versionView(repo.versionHistory(tx, orderId)[0]!);
    },
    { behavior: 'immediate' },
  );
}

/**
 * Inside acceptPrintProof's transaction: the version on screen becomes the accepted one.
 * Accepting again changes nothing; a rejected version must be followed by a change first.
 */
export function acceptCurrentVersion(tx: Tx, clock: Clock, actor: Actor, orderId: string): void {
  const version = currentVersion(tx, clock, orderId);
  if (version.status === 'accepted') return;
  if (version.status === 'rejected') throw proofRejected();
  repo.decideVersion(tx, version.id, 'waiting', { status: 'accepted', decidedAt: clock.now().toISOString(), decidedByUserId: actor.userId });
}

const versionView = (v: ReturnType<typeof repo.versionHistory>[number]) => ({
  version: v.version,
  status: v.status,
  createdAt: v.createdAt,
  createdByName: v.createdByName,
  decidedAt: v.decidedAt,
  decidedByName: v.decidedByName,
  comment: v.comment,
});

export function printSettingsFor(deps: { db: DbOrTx; actor: Actor; orderId: string }) {
  const order = findOrderFor(deps.db, deps.actor, deps.orderId);
  if (!order) throw orderNotFound();
  const settings = repo.snapshotOf(repo.findSettings(deps.db, order.id));
  const logo = settings.logoSha256 ? repo.findLogo(deps.db, settings.logoSha256) : undefined;
  const versions = repo.versionHistory(deps.db, order.id);
  return {
    coverTitle: settings.coverTitle,
    coverMessage: settings.coverMessage,
    letterText: settings.letterText,
    logo: logo ? { mime: logo.mime, width: logo.width, height: logo.height } : null,
    editable: versions[0]?.status !== 'accepted' && deps.actor.organisationId === order.buyerId,
    versions: versions.map(versionView),
  };
}

/**
 * What a proof version prints: its frozen settings, its logo's bytes, and for the letter the five
 * labelled places of the order's territory nearest to the buyer, and the buyer's contact.
 */
export function designFor(db: DbOrTx, order: OrderRow, settings: PrintSettingsSnapshot): BookletDesign {
  const logo = settings.logoSha256 ? (repo.findLogo(db, settings.logoSha256)?.data ?? null) : null;
  let letter: BookletDesign['letter'] = null;
  if (settings.letterText) {
    const buyer = repo.buyerContact(db, order.buyerId);
    const territories = getTerritories();
    const near = buyer?.communeCode ? territories.commune(buyer.communeCode) : undefined;
    const places = rankSites(territories, publishedSites(db), { near, territory: order.territory ?? null }).slice(0, 5);
    letter = {
      text: settings.letterText,
      places: places.map(({ site, communeName }) => ({
        name: site.name,
        address: `${site.address}, ${site.postalCode ? `${site.postalCode} ` : ''}${communeName}`,
        hours: describeOpeningHours(site.openingHours).join(' ; ') || null,
      })),
      contact: [buyer?.name, buyer?.address].filter(Boolean).join('\n'),
    };
  }
  return { coverTitle: settings.coverTitle, coverMessage: settings.coverMessage, logo, letter };
}

/** Proofs the operator should chase: approved more than 3 French working days ago (weekends and public holidays out) and still not accepted. */
export function overdueProofs(db: DbOrTx, clock: Clock) {
  const today = parisDate(clock.now());
  return repo
    .ordersAwaitingProof(db, {})
    .filter((o) => o.approvedAt && today > addFrenchWorkingDays(parisDate(new Date(o.approvedAt)), 3))
    .map((o) => ({ id: o.id, reference: o.reference, buyerName: o.buyerName, approvedAt: o.approvedAt! }));
}

/** A proof waiting longer than this (calendar days) is flagged to its buyer and reminded by mail (proof-reminders.ts). */
export const PROOF_REMINDER_DAYS = 6;

/** The buyer's proofs waiting for its decision; `remind` after 6 days. */
export function proofsWaitingFor(db: DbOrTx, clock: Clock, actor: Actor) {
  if (actor.organisationKind !== 'buyer') return [];
  const today = parisDate(clock.now());
  return repo.ordersAwaitingProof(db, { buyerId: actor.organisationId }).map((o) => ({
    id: o.id,
    reference: o.reference,
    approvedAt: o.approvedAt,
    remind: o.approvedAt !== null && today > addDays(parisDate(new Date(o.approvedAt)), PROOF_REMINDER_DAYS),
  }));
}

/** The logo of the order's current settings, for the design page's preview; scoped like the order. */
export function currentLogo(deps: { db: DbOrTx; actor: Actor; orderId: string }) {
  const order = findOrderFor(deps.db, deps.actor, deps.orderId);
  if (!order) throw orderNotFound();
  const sha = repo.snapshotOf(repo.findSettings(deps.db, order.id)).logoSha256;
  return sha ? (repo.findLogo(deps.db, sha) ?? null) : null;
}
