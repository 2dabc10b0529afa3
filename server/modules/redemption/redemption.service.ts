import type { Db, DbOrTx } from '../../../db/client.ts';
import type { BookletStatus, PassStatus } from '../../../db/schema/booklets.ts';
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';
import type { PlaceStatus } from '../../../db/schema/places.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { newOrderedId } from '../../shared/secrets.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { formatPassCode, type PassCodeFactory } from '../booklets/pass-code.ts';
import { postEntry, reverseEntry } from '../finance/ledger.ts';
import { getTerritories } from '../territories/territories.ts';
import { lastAcceptedDay, redeemability } from '../booklets/redeemability.ts';
import type { CheckView, RedemptionView } from './redemption.schemas.ts';
import { statements, type SiteRow, type Statements } from './redemption.statements.ts';
import {
  findRedemptionOfPlace,
  findRedemptionRow,
  listRedemptionRows,
  markRedemptionCancelled,
  passWithBooklet,
  setCancelJournalEntry,
  siteNameOf,
  type RedemptionRow,
} from './redemption.repository.ts';
import { redeemActivePass, refreshBookletStatus } from '../booklets/pass-status.statements.ts';
import { findPassFacts } from '../booklets/pass-facts.statements.ts';
import { unredeemPass } from '../booklets/booklet-status.repository.ts';
import {
  cancellationPeriodOver,
  malformedPassCode,
  mistypedPassCode,
  onlyPlacesRedeem,
  passAlreadyRedeemed,
  passChangedMeanwhile,
  passNotFound,
  passRefused,
  placeHasNoSite,
  redemptionAlreadyCancelled,
  redemptionChangedMeanwhile,
  redemptionInBatch,
  redemptionNotFound,
  siteNotFound,
  siteRequired,
} from './redemption.errors.ts';

/** Domain rule 5: the place that accepted a pass may take it back for 24 hours, until it is batched. */
export const CANCELLATION_WINDOW_MS = 24 * 3600_000;

interface Deps {
  db: Db;
  clock: Clock;
  codes: PassCodeFactory;
  gracePeriodDays: number;
}


/**
 * The QR code holds `${PUBLIC_URL}/P/${CODE}`: a scanner (or a hurried paste) may hand us the whole
 * URL. Its last path segment is the code; anything else is read as typed.
 */
export function codeFromScan(input: string): string {
  const match = /\/p\/([^/?#\s]+)\/?(?:[?#].*)?$/i.exec(input.trim());
  return match ? decodeURIComponent(match[1]!) : input;
}

/**
 * First check of the list, before any lookup: well-formed, right check character, authentic
 * signature. A mistyped code gets a hint (the check character is public); a forged one only
 * "introuvable", like an unknown one.
 */
export function verifyCode(codes: PassCodeFactory, input: string): string {
  const verified = codes.verify(codeFromScan(input));
  if (verified.ok) return verified.code;
  throw verified.reason === 'malformed' ? malformedPassCode() : verified.reason === 'check_character' ? mistypedPassCode() : passNotFound();
}

function placeOf(st: Statements, actor: Actor): { status: PlaceStatus } {
  if (actor.organisationKind !== 'place') throw onlyPlacesRedeem();
  // A place organisation without a place record (created by hand) has never been labelled.
  return st.placeStatus.get(actor.organisationId) ?? { status: 'applied' };
}

/** The site where the service was delivered: the one named, or the place's only active site. */
function resolveSite(st: Statements, actor: Actor, siteId: string | undefined): SiteRow {
  const sites = st.activeSites.all(actor.organisationId);
  if (siteId !== undefined) {
    const site = sites.find((s) => s.id === siteId);
    if (!site) throw siteNotFound();
    return site;
  }
  if (sites.length === 1) return sites[0]!;
  if (sites.length === 0) throw placeHasNoSite();
  throw siteRequired();
}

interface RedeemabilityFacts {
  pass: { id: number; status: PassStatus; faceValueCents: number; bookletId: string } | null;
  booklet: { id: string; status: BookletStatus } | null;
  order: {
    validFrom: string;
    validUntil: string;
    fundedAt: string | null;
    territory: TerritoryRestrictionColumn | null;
    allowedServices: string[] | null;
  } | null;
  redeemedAt: string | null;
}

function redeemabilityFacts(db: DbOrTx, st: Statements, code: string): RedeemabilityFacts {
  const row = findPassFacts(db, code);
  if (!row) return { pass: null, booklet: null, order: null, redeemedAt: null };
  const redeemedAt = row.status === 'redeemed' || row.status === 'reimbursed' ? (st.liveRedemptionAt.get(row.id)?.at ?? null) : null;
  return {
    pass: { id: row.id, status: row.status, faceValueCents: row.faceValueCents, bookletId: row.bookletId },
    booklet: { id: row.bookletId, status: row.bookletStatus },
    order: { validFrom: row.validFrom, validUntil: row.validUntil, fundedAt: row.fundedAt, territory: row.territory, allowedServices: row.allowedServices },
    redeemedAt,
  };
}

/**
 * Redeems a pass at the actor's place, in one transaction: the checks (issue 6 order), ONE
 * conditional UPDATE of the pass that must change exactly one row, the redemption row (a unique
 * index allows one live redemption per pass) and the journal entry. Whatever the concurrency, one
 * attempt wins; every other one sees the pass redeemed and gets 409 with the date of the first.
 */
export function redeemPass(deps: Deps & { actor: Actor; code: string; siteId?: string; service?: string }): RedemptionView {
  const { db, clock, codes, gracePeriodDays, actor } = deps;
  const code = verifyCode(codes, deps.code);
  const st = statements(db);
  // The statements, postEntry's included, run on this connection: they are part of this transaction.
  return st.transaction.immediate(() => {
    const place = placeOf(st, actor);
    const site = resolveSite(st, actor, deps.siteId);
    const now = clock.now();
    const today = parisDate(now);
    const facts = redeemabilityFacts(db, st, code);
    const service = deps.service ?? null;
    // The catalogue is only read when a service is named (most scans name none).
    const at = { communeCode: site.communeCode, services: service === null ? undefined : (JSON.parse(site.services) as string[]) };
    const verdict = redeemability({ ...facts, place, site: at, service, today, gracePeriodDays, territories: getTerritories() });
    if (!verdict.redeemable) throw passRefused(verdict);
    const pass = facts.pass!;
    if (!redeemActivePass(db, pass.id)) {
      // Someone else won between the read and the write (another process on the same file).
      const after = redeemabilityFacts(db, st, code);
      const again = redeemability({ ...after, place, site: at, service, today, gracePeriodDays, territories: getTerritories() });
      throw again.redeemable ? passAlreadyRedeemed() : passRefused(again);
    }
    const id = newOrderedId();
    const formatted = formatPassCode(code);
    const redeemedAt = now.toISOString();
    const entry = postEntry(db, clock, {
      kind: 'redemption',
      refType: 'redemption',
      refId: id,
      label: `Encaissement du pass ${formatted} par ${actor.organisationName}`.slice(0, 200),
      valueDate: today,
      idempotencyKey: `redemption:${id}`,
      lines: [
        { account: 'passes:outstanding', debitCents: pass.faceValueCents },
        { account: `place:${actor.organisationId}:payable`, creditCents: pass.faceValueCents, name: `Dette envers ${actor.organisationName}`.slice(0, 200) },
      ],
    });
    st.insertRedemption.run(id, pass.id, actor.organisationId, site.id, site.communeCode, deps.service ?? null, pass.faceValueCents, redeemedAt, today.slice(0, 7), actor.userId, entry.entryId);
    refreshBookletStatus(db, pass.bookletId);
    return {
      id,
      code: formatted,
      amountCents: pass.faceValueCents,
      redeemedAt,
      siteId: site.id,
      siteName: site.name,
      service: deps.service ?? null,
      status: 'live' as const,
      cancelledAt: null,
      cancellableUntil: new Date(now.getTime() + CANCELLATION_WINDOW_MS).toISOString(),
      placeId: actor.organisationId,
      placeName: actor.organisationName,
    };
  });
}

/**
 * "Tester un pass": the same checks as a redemption, at the same site, without writing anything.
 * Unknown codes are a 404 (and count against the lookup throttle); every other verdict is a 200
 * with `redeemable` and, when refused, the code and the French message of the refusal.
 */
export function checkPass(deps: Deps & { actor: Actor; code: string; siteId?: string }): CheckView {
  const { db, clock, codes, gracePeriodDays, actor } = deps;
  const code = verifyCode(codes, deps.code);
  const st = statements(db);
  const place = placeOf(st, actor);
  const site = resolveSite(st, actor, deps.siteId);
  const facts = redeemabilityFacts(db, st, code);
  const verdict = redeemability({ ...facts, place, site: { communeCode: site.communeCode }, today: parisDate(clock.now()), gracePeriodDays, territories: getTerritories() });
  if (!facts.pass || !facts.order) throw passNotFound();
  const common = {
    code: formatPassCode(code),
    faceValueCents: facts.pass.faceValueCents,
    validFrom: facts.order.validFrom,
    validUntil: facts.order.validUntil,
    lastAcceptedDay: lastAcceptedDay(facts.order.validUntil, gracePeriodDays),
  };
  if (verdict.redeemable) return { ...common, redeemable: true, message: 'Pass valable : vous pouvez l’encaisser.' };
  return { ...common, redeemable: false, reason: verdict.code, message: verdict.message, ...(verdict.redeemedAt ? { redeemedAt: verdict.redeemedAt } : {}) };
}

/**
 * The same place takes a redemption back within 24 hours, before any reimbursement batch: the
 * redemption is marked cancelled, its journal entry reversed, the pass active again — one
 * transaction, each step a conditional UPDATE.
 */
export function cancelRedemption(deps: { db: Db; clock: Clock; actor: Actor; redemptionId: string }): RedemptionView {
  const { db, clock, actor, redemptionId } = deps;
  return db.transaction(
    (tx) => {
      const row = findRedemptionOfPlace(tx, redemptionId, actor.organisationId);
      if (!row) throw redemptionNotFound();
      if (row.status === 'cancelled') throw redemptionAlreadyCancelled();
      if (row.batchedAt) {
        throw redemptionInBatch();
      }
      const now = clock.now();
      const cutoff = new Date(now.getTime() - CANCELLATION_WINDOW_MS).toISOString();
      if (row.redeemedAt < cutoff) {
        throw cancellationPeriodOver();
      }
      if (!markRedemptionCancelled(tx, { redemptionId: row.id, at: now.toISOString(), byUserId: actor.userId, redeemedSince: cutoff })) throw redemptionChangedMeanwhile();
      const pass = passWithBooklet(tx, row.passId);
      // A booklet blocked since (lost after this redemption) must not get a usable pass back.
      if (!unredeemPass(tx, pass.id, pass.bookletStatus === 'blocked' ? 'blocked' : 'active')) throw passChangedMeanwhile();
      const reversal = reverseEntry(tx, clock, {
        entryId: row.journalEntryId,
        kind: 'redemption_cancelled',
        idempotencyKey: `redemption_cancelled:${row.id}`,
        label: `Annulation de l’encaissement du pass ${formatPassCode(pass.code)}`,
      });
      setCancelJournalEntry(tx, row.id, reversal.entryId);
      refreshBookletStatus(tx, pass.bookletId);
      recordAudit(tx, clock, actor, 'redemption.cancelled', { type: 'redemption', id: row.id }, { amountCents: row.amountCents });
      return toView({ ...row, status: 'cancelled', cancelledAt: now.toISOString() }, pass.code, siteNameOf(tx, row.siteId), actor.organisationName, now);
    },
    { behavior: 'immediate' },
  );
}

export function toView(row: RedemptionRow, code: string, siteNameValue: string, placeName: string, now: Date): RedemptionView {
  const until = new Date(new Date(row.redeemedAt).getTime() + CANCELLATION_WINDOW_MS);
  const cancellable = row.status === 'live' && !row.batchedAt && until > now;
  return {
    id: row.id,
    code: formatPassCode(code),
    amountCents: row.amountCents,
    redeemedAt: row.redeemedAt,
    siteId: row.siteId,
    siteName: siteNameValue,
    service: row.service,
    status: row.status,
    cancelledAt: row.cancelledAt,
    cancellableUntil: cancellable ? until.toISOString() : null,
    placeId: row.placeId,
    placeName,
  };
}

/** Redemptions visible to the actor: its own place's, or every place's for the operator; newest first. */
export function listRedemptions(
  db: DbOrTx,
  clock: Clock,
  actor: Actor,
  page: { limit: number; after?: { createdAt: string; id: string }; period?: string; status?: 'live' | 'cancelled'; placeId?: string },
): RedemptionView[] {
  if (!isOperator(actor) && actor.organisationKind !== 'place') return [];
  const placeId = isOperator(actor) ? page.placeId : actor.organisationId;
  const rows = listRedemptionRows(db, { ...page, placeId });
  const now = clock.now();
  return rows.map((row) => toView(row.r, row.code, row.siteName, row.placeName, now));
}

export function findRedemptionFor(db: DbOrTx, clock: Clock, actor: Actor, redemptionId: string): RedemptionView | undefined {
  const row = findRedemptionRow(db, redemptionId);
  if (!row || (!isOperator(actor) && row.r.placeId !== actor.organisationId)) return undefined;
  return toView(row.r, row.code, row.siteName, row.placeName, clock.now());
}
