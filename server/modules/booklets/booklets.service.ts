import type { Db, DbOrTx } from '../../../db/client.ts';
import type { BookletStatus, PassStatus } from '../../../db/schema/booklets.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisDate } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { findOrderFor, buyerNameOf, type OrderRow } from '../order-records/order-records.repository.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import { countBookletPages, type BookletDesign, type BookletPrintData } from '../../../templates/pdf/booklet.ts';
import type { PrintProfile } from '../../../templates/pdf/print-profile.ts';
import { DEFAULT_LETTER_TEXT } from '../../../templates/pdf/booklet-letter.ts';
import { notifyProofDecision } from '../notifications/lifecycle-notices.ts';
import { acceptCurrentVersion, currentVersion, designFor, printSettingsFor } from './print-settings.service.ts';
import { findVersion, latestVersion, snapshotOf, findSettings } from './print-settings.repository.ts';
import { specimenCode } from './specimen.ts';
import { findPassFacts } from './pass-facts.statements.ts';
import * as repo from './booklets.repository.ts';
import { serialCandidates } from './serial-format.ts';
import type { BookletCounts, PassCounts } from './booklets.schemas.ts';
import type { PassCodeFactory } from './pass-code.ts';
import { PassLookupThrottle } from './pass-lookup-throttle.ts';
import { isPassRefusal, lastAcceptedDay, redeemability, type PassRefusal } from './redeemability.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { findPendingJob } from '../jobs/jobs.repository.ts';
import { issuedBookletCount } from './issuance.ts';
import { ORDER_ISSUANCE_JOB } from './issuance.ts';
import {
  bookletNotFound,
  bookletsBeingIssued,
  nothingToPrintYet,
  onlyBuyerAcceptsProof,
  passNotFoundForCode,
  proofNotAccepted,
  proofVersionNotFound,
  tooManyPassLookups,
} from './booklets.errors.ts';

/** Booklets read per query while printing: ~2 000 codes in memory at a time, a few queries per second of PDF. */
export const PRINT_BATCH_SIZE = 200;

// ---------------------------------------------------------------------------------------------
// Lists and views

/**
 * The order's booklets the actor may see: all of them for its buyer and the operator, the ones it
 * holds for a prescriber. An order the actor has nothing to do with is a 404.
 */
export function listBooklets(input: { db: DbOrTx; actor: Actor; orderId: string; limit: number; cursor?: string; status?: BookletStatus }) {
  const { db, actor, orderId, limit } = input;
  if (!findOrderFor(db, actor, orderId) && !(actor.organisationKind === 'prescriber' && repo.holdsBookletOf(db, actor, orderId))) throw orderNotFound();
  const rows = repo.listOrderBooklets(db, actor, orderId, {
    limit,
    afterPosition: input.cursor === undefined ? undefined : Number(input.cursor),
    status: input.status,
  });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? String(last.position) : null };
}

/** The serial of the order's booklet a search names (exact, any case, spaces or dashes), if the actor may see it. */
export function findSerialInOrder(input: { db: DbOrTx; actor: Actor; orderId: string; search: string }): string | undefined {
  return repo.findVisibleBookletAmong(input.db, input.actor, serialCandidates(input.search), input.orderId)?.serial;
}

const camel = { in_stock: 'inStock', allotted: 'allotted', distributed: 'distributed', started: 'started', used_up: 'usedUp', blocked: 'blocked', expired: 'expired' } as const;

/**
 * Where an order's passes and booklets stand. Pass counts are a partition: a pass not yet used
 * counts where its booklet is (in stock, allotted, handed out), a used or closed one by its own
 * status, so `issued` is always the sum of the rest.
 */
export function orderCounts(db: DbOrTx, orderId: string): { counts: PassCounts; bookletCounts: BookletCounts } {
  const counts: PassCounts = { issued: 0, inStock: 0, allotted: 0, distributed: 0, redeemed: 0, reimbursed: 0, expired: 0, cancelled: 0, blocked: 0 };
  for (const { bookletStatus, passStatus, count } of repo.passCountsByStatus(db, orderId)) {
    counts.issued += count;
    if (passStatus === 'issued' || passStatus === 'active') {
      const where = camel[bookletStatus];
      // An unused pass in a started or used-up booklet is still in the beneficiary's hands.
      counts[where === 'started' || where === 'usedUp' ? 'distributed' : where] += count;
    } else {
      counts[passStatus] += count;
    }
  }
  // No pass is cancelled today (orders are cancelled before issuance); the contract keeps the slot.
  const bookletCounts: BookletCounts = { issued: 0, inStock: 0, allotted: 0, distributed: 0, started: 0, usedUp: 0, blocked: 0, expired: 0 };
  for (const { status, count } of repo.bookletCountsByStatus(db, orderId)) {
    bookletCounts.issued += count;
    bookletCounts[camel[status]] += count;
  }
  return { counts, bookletCounts };
}

// ---------------------------------------------------------------------------------------------
// Print proof and print file

/** The order, if the actor may print it and its booklets exist. */
function printableOrder(db: DbOrTx, actor: Actor, orderId: string): OrderRow {
  const order = findOrderFor(db, actor, orderId);
  if (!order) throw orderNotFound();
  if (order.status !== 'approved' && order.status !== 'closed') {
    throw nothingToPrintYet();
  }
  // A large order's booklets are issued by a job after approval: until it ends, a file would miss booklets.
  if (findPendingJob(db, ORDER_ISSUANCE_JOB, order.id)) {
    throw bookletsBeingIssued();
  }
  return order;
}

export function printProofOf(db: DbOrTx, orderId: string) {
  return repo.findPrintProof(db, orderId) ?? null;
}

/** The buyer validates the proof (BAT); the first acceptance is kept, a second one changes nothing. */
export function acceptPrintProof(deps: { db: Db; clock: Clock; actor: Actor; orderId: string }) {
  const { db, clock, actor, orderId } = deps;
  return db.transaction(
    (tx) => {
      const order = printableOrder(tx, actor, orderId);
      if (actor.organisationKind !== 'buyer' || order.buyerId !== actor.organisationId) {
        throw onlyBuyerAcceptsProof();
      }
      acceptCurrentVersion(tx, clock, actor, orderId);
      const acceptedAt = clock.now().toISOString();
      if (repo.insertPrintProof(tx, { orderId, acceptedAt, acceptedByUserId: actor.userId })) {
        recordAudit(tx, clock, actor, 'order.print_proof_accepted', { type: 'order', id: orderId });
        notifyProofDecision({ tx, clock, orderId, accepted: true });
      }
      return repo.findPrintProof(tx, orderId)!;
    },
    { behavior: 'immediate' },
  );
}

/** What every booklet of an order prints the same: computed once per file, not per booklet. */
function orderPrintTerms(db: DbOrTx, order: OrderRow, publicUrl: string): Omit<BookletPrintData, 'serial' | 'bookletUrl' | 'passes'> {
  const labels = new Map(listPublicCategories(db, { includeInactive: true }).map((c) => [c.code, c.label]));
  const base = publicUrl.replace(/\/+$/, '');
  return {
    buyerName: buyerNameOf(db, order.buyerId),
    faceValueCents: order.faceValueCents,
    validFrom: order.validFrom,
    validUntil: order.validUntil,
    publicsLabels: order.publics ? order.publics.map((code) => labels.get(code) ?? code) : null,
    territoryDescription: order.territory ? `${getTerritories().describeTerritory(order.territory)}.` : 'Partout en France.',
    placesHint: `Tous les lieux labellisés : ${base}/lieux-labellises. Vous pouvez aussi demander à la structure qui vous a remis ce carnet.`,
    allowedServices: order.allowedServices ?? null,
  };
}

/**
 * Booklets of an order, positions `first`…`last`, as the renderer wants them. Reads PRINT_BATCH_SIZE
 * booklets and their codes per pair of queries, lazily: the renderer pulls the next booklet only
 * once the previous pages have gone out, so memory holds one batch whatever the order size.
 */
export function* printableBooklets(
  db: DbOrTx,
  order: OrderRow,
  opts: { publicUrl: string; first?: number; last?: number; batchSize?: number; design?: BookletDesign; specimen?: boolean },
): Generator<BookletPrintData> {
  const terms = { ...orderPrintTerms(db, order, opts.publicUrl), ...(opts.design ? { design: opts.design } : {}) };
  const base = opts.publicUrl.replace(/\/+$/, '');
  const batchSize = opts.batchSize ?? PRINT_BATCH_SIZE;
  const specimens = Array.from({ length: order.passesPerBooklet }, (_, i) => ({ code: specimenCode(i + 1) }));
  let after = (opts.first ?? 1) - 1;
  const last = opts.last ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const batch = repo.bookletBatchForPrint(db, order.id, { afterPosition: after, lastPosition: last, limit: batchSize });
    if (batch.length === 0) return;
    const codes = opts.specimen
      ? new Map<string, { code: string }[]>()
      : repo.codesOfBooklets(
          db,
          batch.map((b) => b.id),
        );
    for (const booklet of batch) {
      yield {
        ...terms,
        // Printed in full on the cover: typed by hand, it opens this booklet's public page and its places, no account needed.
        placesHint: `Les lieux où utiliser ce carnet, au plus près de chez vous :\n${base}/c/${booklet.serial}\n${terms.placesHint}`,
        serial: booklet.serial,
        // Upper case like the passes' URLs: the QR code stays in the compact alphanumeric mode.
        bookletUrl: `${base}/C/${booklet.serial}`.toUpperCase(),
        // A proof never carries live codes: specimen codes that no verifier accepts (specimen.ts).
        passes: opts.specimen ? specimens : (codes.get(booklet.id) ?? []),
      };
    }
    after = batch[batch.length - 1]!.position;
    if (batch.length < batchSize) return;
  }
}

export interface PrintJob {
  filename: string;
  /** Booklets the file holds (large files are built by a job, see print-file.job.ts). */
  bookletCount: number;
  booklets: Iterable<BookletPrintData>;
  proofWatermark: boolean;
  profile: PrintProfile;
}

/**
 * The proof: the first booklet with the settings of the version asked for (the current one by
 * default), watermarked, its coupons carrying specimen codes. Needs an approved order the actor can see.
 */
export function proofPrintJob(deps: { db: Db; clock: Clock; actor: Actor; orderId: string; publicUrl: string; version?: number; profile?: PrintProfile }): PrintJob {
  const order = printableOrder(deps.db, deps.actor, deps.orderId);
  const version =
    deps.version === undefined ? deps.db.transaction((tx) => currentVersion(tx, deps.clock, order.id), { behavior: 'immediate' }) : findVersion(deps.db, order.id, deps.version);
  if (!version) throw proofVersionNotFound(deps.version);
  return {
    filename: deps.version === undefined ? `BAT-${order.reference}.pdf` : `BAT-${order.reference}-v${version.version}.pdf`,
    bookletCount: 1,
    booklets: printableBooklets(deps.db, order, { publicUrl: deps.publicUrl, first: 1, last: 1, design: designFor(deps.db, order, version.settings), specimen: true }),
    proofWatermark: true,
    profile: deps.profile ?? 'bureau',
  };
}

/** The accepted version's settings (the current ones for a proof accepted before versions existed). */
function acceptedDesign(db: DbOrTx, order: OrderRow): BookletDesign {
  const latest = latestVersion(db, order.id);
  return designFor(db, order, latest?.status === 'accepted' ? latest.settings : snapshotOf(findSettings(db, order.id)));
}

function requireAcceptedProof(db: DbOrTx, order: OrderRow): void {
  if (!repo.findPrintProof(db, order.id)) {
    throw proofNotAccepted();
  }
}

/** Every booklet of the order, once its proof is accepted. */
export function orderPrintJob(deps: { db: DbOrTx; actor: Actor; orderId: string; publicUrl: string; profile?: PrintProfile }): PrintJob & { orderId: string } {
  const order = printableOrder(deps.db, deps.actor, deps.orderId);
  requireAcceptedProof(deps.db, order);
  return { ...orderPrintFile(deps.db, order, deps.publicUrl, deps.profile ?? 'bureau'), orderId: order.id };
}

/** The whole order's print file, access already checked (by orderPrintJob, or when its job was started). */
export function orderPrintFile(db: DbOrTx, order: OrderRow, publicUrl: string, profile: PrintProfile): PrintJob {
  return {
    filename: `carnets-${order.reference}${profile === 'imprimeur' ? '-imprimeur' : ''}.pdf`,
    bookletCount: issuedBookletCount(db, order.id),
    booklets: printableBooklets(db, order, { publicUrl, design: acceptedDesign(db, order) }),
    proofWatermark: false,
    profile,
  };
}

/**
 * One booklet (a reprint). Its buyer, the prescriber holding it and the operator may print it,
 * once the order's proof is accepted like for the whole file.
 */
export function bookletPrintJob(deps: { db: DbOrTx; actor: Actor; serial: string; publicUrl: string; profile?: PrintProfile }): PrintJob {
  const booklet = repo.findBookletBySerial(deps.db, deps.actor, deps.serial);
  if (!booklet) throw bookletNotFound(deps.serial);
  // Seeing the booklet is what entitles a prescriber to print it, not seeing the buyer's order.
  const order = repo.orderOfBooklet(deps.db, booklet);
  requireAcceptedProof(deps.db, order);
  return {
    filename: `carnet-${booklet.serial}.pdf`,
    bookletCount: 1,
    booklets: printableBooklets(deps.db, order, { publicUrl: deps.publicUrl, first: booklet.position, last: booklet.position, design: acceptedDesign(deps.db, order) }),
    proofWatermark: false,
    profile: deps.profile ?? 'bureau',
  };
}

/** What the order page shows about printing; null before the booklets exist. */
export function printSummary(db: DbOrTx, actor: Actor, order: OrderRow) {
  if (order.status !== 'approved' && order.status !== 'closed') return null;
  const proof = repo.findPrintProof(db, order.id) ?? null;
  const { counts, bookletCounts } = orderCounts(db, order.id);
  return {
    bookletCount: bookletCounts.issued,
    pageCount: countBookletPages(order.passesPerBooklet, { letter: Boolean(findSettings(db, order.id)?.letterText) }) * bookletCounts.issued,
    proof,
    canAcceptProof: proof === null && actor.organisationKind === 'buyer' && order.buyerId === actor.organisationId,
    design: printSettingsFor({ db, actor, orderId: order.id }),
    defaultLetter: DEFAULT_LETTER_TEXT,
    counts,
    bookletCounts,
  };
}

// ---------------------------------------------------------------------------------------------
// Pass lookup

export interface PassLookup {
  code: string;
  status: PassStatus;
  faceValueCents: number;
  validFrom: string;
  validUntil: string;
  /** validUntil plus the grace period: the last day a place accepts it. */
  lastRedeemableDay: string;
  territory: { departements?: string[]; epcis?: string[]; communes?: string[] } | null;
  /** The services the order's passes pay for; null: every service. */
  allowedServices: string[] | null;
  redeemable: boolean;
  reason?: PassRefusal;
}

/**
 * A pass lookup bound to the app's settings, with its own throttle: the API (by user and address)
 * and the public pass page (anonymous, by address) each keep theirs.
 */
export function passLookup(deps: { db: DbOrTx; clock: Clock; codes: PassCodeFactory; gracePeriodDays: number }) {
  const throttle = new PassLookupThrottle(deps.clock);
  return (who: { userId: string | null; ip: string }, input: string): PassLookup => lookupPass({ ...deps, throttle, who, input });
}

/**
 * Looks a pass up by its code, as typed or scanned. The code's check character and signature are
 * verified before the database is touched: a mistyped or forged code costs no query and is
 * answered exactly like an unknown one (404 pass_not_found). Failed attempts are throttled per
 * user and per IP address (429 too_many_pass_lookups with Retry-After).
 */
export function lookupPass(deps: {
  db: DbOrTx;
  clock: Clock;
  codes: PassCodeFactory;
  throttle: PassLookupThrottle;
  gracePeriodDays: number;
  who: { userId: string | null; ip: string };
  input: string;
}): PassLookup {
  const { db, clock, codes, throttle, who } = deps;
  const wait = throttle.retryAfterSeconds(who);
  if (wait > 0) {
    throw tooManyPassLookups(wait);
  }
  const verified = codes.verify(deps.input);
  const pass = verified.ok ? findPassFacts(db, verified.code) : undefined;
  if (!pass) {
    throttle.recordFailure(who);
    throw passNotFoundForCode();
  }
  // The redemption's own rule, without a place or a site: what it says here, the counter says too.
  const verdict = redeemability({
    pass: { status: pass.status },
    booklet: { status: pass.bookletStatus },
    order: { validFrom: pass.validFrom, validUntil: pass.validUntil, fundedAt: pass.fundedAt, territory: pass.territory ?? null },
    place: null,
    site: null,
    today: parisDate(clock.now()),
    gracePeriodDays: deps.gracePeriodDays,
    territories: getTerritories(),
  });
  const reason = verdict.redeemable ? undefined : verdict.code;
  if (reason !== undefined && !isPassRefusal(reason)) throw new Error(`lookupPass: unexpected refusal ${reason} without a place`);
  return {
    code: pass.code,
    status: pass.status,
    faceValueCents: pass.faceValueCents,
    validFrom: pass.validFrom,
    validUntil: pass.validUntil,
    lastRedeemableDay: lastAcceptedDay(pass.validUntil, deps.gracePeriodDays),
    territory: pass.territory ?? null,
    allowedServices: pass.allowedServices ?? null,
    redeemable: verdict.redeemable,
    ...(reason ? { reason } : {}),
  };
}
