import { enqueueToOrganisation } from '../notifications/outbox.ts';
import { notifyBookletsReturned } from '../notifications/lifecycle-notices.ts';
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { booklets, passes, type BookletStatus } from '../../../db/schema/booklets.ts';
import { bookletMovementItems, bookletMovements, distributions, prescriberDesignations, type BlockReason, type MovementKind } from '../../../db/schema/distribution.ts';
import { orders } from '../../../db/schema/orders.ts';
import type { Clock } from '../../shared/clock.ts';
import { formatFrenchDate, parisDate } from '../../shared/paris-time.ts';
import { badRequest, conflict, notFound, unprocessable } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { isOperator, type Actor } from '../accounts/actor.ts';
import { recordAudit } from '../audit/audit.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';
import { findPublicCategory, listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import { activateBookletPasses, HANDED_OUT_STATUSES } from './activation.ts';
import { MAX_BOOKLETS_PER_MOVE, type AllotmentInput, type DistributionInput, type ReturnInput } from './distribution.schemas.ts';
import { expandSerialSelection, summariseSerials } from './serials.ts';
import { countOf, plural } from '../../shared/plural.ts';
import { refuseHandOutIfBlocked } from '../oversight/end-of-validity.guard.ts';
import { orderNotFound } from '../orders/orders.errors.ts';

export type BookletRow = typeof booklets.$inferSelect;
export type DistributionRow = typeof distributions.$inferSelect;
type BookletRef = Pick<BookletRow, 'id' | 'serial'>;

interface Deps {
  db: Db;
  clock: Clock;
}

// SQLite limits bound parameters per statement; large selections go by slices.
const CHUNK = 500;
function chunked<T>(list: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** "A, B, C et 4 autres": refusals name the serials, without flooding the message. */
function nameSerials(serials: readonly string[], max = 5): string {
  const shown = serials.slice(0, max).join(', ');
  return serials.length > max ? `${shown} et ${countOf(serials.length - max, 'autre')}` : shown;
}

// ---------------------------------------------------------------------------------------------
// Scoping

/** The buyer's own order; anyone else's, or a missing one, is the same 404. */
function requireOwnOrder(tx: DbOrTx, actor: Actor, orderId: string): OrderRow {
  const order = tx.select().from(orders).where(eq(orders.id, orderId)).get();
  if (!order || order.buyerId !== actor.organisationId) throw orderNotFound();
  return order;
}

function requireBooklets(order: OrderRow): void {
  if (order.status !== 'approved') {
    throw conflict('order_not_approved', `Les carnets n’existent qu’une fois la commande approuvée (commande ${order.reference}).`);
  }
}

export function liveDesignation(db: DbOrTx, orderId: string, prescriberId: string) {
  return db
    .select()
    .from(prescriberDesignations)
    .where(and(eq(prescriberDesignations.orderId, orderId), eq(prescriberDesignations.prescriberId, prescriberId), isNull(prescriberDesignations.revokedAt)))
    .get();
}

// ---------------------------------------------------------------------------------------------
// Movements: every change of hands is recorded, with the exact booklets

export function recordMovement(
  tx: Tx,
  clock: Clock,
  actor: Actor,
  input: { kind: MovementKind; orderId: string; from: string | null; to: string | null; booklets: readonly BookletRef[]; reason?: BlockReason },
): { id: number; serialsSummary: string } {
  const serialsSummary = summariseSerials(input.booklets.map((b) => b.serial));
  const row = tx
    .insert(bookletMovements)
    .values({
      kind: input.kind,
      orderId: input.orderId,
      fromOrganisationId: input.from,
      toOrganisationId: input.to,
      bookletCount: input.booklets.length,
      serialsSummary,
      reason: input.reason ?? null,
      actorUserId: actor.userId,
      actorOrganisationId: actor.organisationId,
      at: clock.now().toISOString(),
    })
    .returning({ id: bookletMovements.id })
    .get();
  for (const slice of chunked(input.booklets)) {
    tx.insert(bookletMovementItems)
      .values(slice.map((b) => ({ movementId: row.id, bookletId: b.id })))
      .run();
  }
  return { id: row.id, serialsSummary };
}

/**
 * Moves booklets between holders with conditional UPDATEs: each row changes only if it is still where
 * the selection found it, and the whole move is undone (the transaction throws) if any row was not.
 */
function moveBooklets(
  tx: Tx,
  selected: readonly BookletRef[],
  from: { holderId: string; status: BookletStatus },
  to: { holderId: string; status: BookletStatus },
): void {
  let changed = 0;
  for (const slice of chunked(selected)) {
    changed += tx
      .update(booklets)
      .set({ holderId: to.holderId, status: to.status })
      .where(
        and(
          inArray(
            booklets.id,
            slice.map((b) => b.id),
          ),
          eq(booklets.holderId, from.holderId),
          eq(booklets.status, from.status),
        ),
      )
      .run().changes;
  }
  if (changed !== selected.length) {
    throw conflict('booklets_changed', 'Des carnets ont changé d’état pendant l’opération : rien n’a été fait, recommencez.');
  }
}

function findBookletsBySerials(tx: DbOrTx, serials: readonly string[]): Map<string, BookletRow> {
  const found = new Map<string, BookletRow>();
  for (const slice of chunked(serials)) {
    for (const b of tx.select().from(booklets).where(inArray(booklets.serial, slice)).all()) found.set(b.serial, b);
  }
  return found;
}

function expandOrThrow(items: readonly string[]): string[] {
  const result = expandSerialSelection(items, MAX_BOOKLETS_PER_MOVE);
  if ('error' in result) throw badRequest('invalid_booklet_serials', result.error.message, [{ path: 'bookletSerials', message: result.error.message }]);
  return result.serials;
}

// ---------------------------------------------------------------------------------------------
// Designation

export function designatePrescriber(deps: Deps & { actor: Actor; orderId: string; prescriberId: string }) {
  const { db, clock, actor, orderId, prescriberId } = deps;
  return db.transaction(
    (tx) => {
      const order = requireOwnOrder(tx, actor, orderId);
      if (order.status === 'cancelled' || order.status === 'closed') {
        throw conflict('order_not_open', `La commande ${order.reference} est ${order.status === 'cancelled' ? 'annulée' : 'clôturée'} : plus de désignation possible.`);
      }
      const prescriber = tx.select().from(organisations).where(eq(organisations.id, prescriberId)).get();
      if (!prescriber || prescriber.kind !== 'prescriber' || prescriber.status !== 'active') {
        throw notFound('prescriber_not_found', 'Prescripteur introuvable.');
      }
      const now = clock.now().toISOString();
      const inserted = tx
        .insert(prescriberDesignations)
        .values({ id: newId(), orderId, prescriberId, designatedAt: now, designatedByUserId: actor.userId })
        .onConflictDoNothing()
        .run();
      if (inserted.changes !== 1) throw conflict('prescriber_already_designated', `${prescriber.name} est déjà désigné sur la commande ${order.reference}.`);
      recordAudit(tx, clock, actor, 'prescriber.designated', { type: 'order', id: orderId }, { prescriberId });
      enqueueToOrganisation({ tx, clock, template: 'prescriber_designated', organisationId: prescriberId, roles: ['admin', 'agent'], data: { buyerName: actor.organisationName, prescriberName: prescriber.name, reference: order.reference } });
      return { orderId, prescriberId, prescriberName: prescriber.name, designatedAt: now, heldBooklets: 0, distributedBooklets: 0 };
    },
    { behavior: 'immediate' },
  );
}

/** Revocation: the prescriber keeps no right on the order, and its undistributed booklets go back to the buyer's stock. */
export function revokePrescriber(deps: Deps & { actor: Actor; orderId: string; prescriberId: string }) {
  const { db, clock, actor, orderId, prescriberId } = deps;
  return db.transaction(
    (tx) => {
      const order = requireOwnOrder(tx, actor, orderId);
      const designation = liveDesignation(tx, orderId, prescriberId);
      if (!designation) throw notFound('designation_not_found', 'Ce prescripteur n’est pas désigné sur cette commande.');
      tx.update(prescriberDesignations)
        .set({ revokedAt: clock.now().toISOString(), revokedByUserId: actor.userId })
        .where(and(eq(prescriberDesignations.id, designation.id), isNull(prescriberDesignations.revokedAt)))
        .run();
      const held = tx
        .select({ id: booklets.id, serial: booklets.serial })
        .from(booklets)
        .where(and(eq(booklets.orderId, orderId), eq(booklets.holderId, prescriberId), eq(booklets.status, 'allotted')))
        .orderBy(asc(booklets.position))
        .all();
      if (held.length > 0) {
        moveBooklets(tx, held, { holderId: prescriberId, status: 'allotted' }, { holderId: order.buyerId, status: 'in_stock' });
        recordMovement(tx, clock, actor, { kind: 'revocation_return', orderId, from: prescriberId, to: order.buyerId, booklets: held });
      }
      recordAudit(tx, clock, actor, 'prescriber.revoked', { type: 'order', id: orderId }, { prescriberId, returnedBooklets: held.length });
      return { orderId, prescriberId, returnedBooklets: held.length };
    },
    { behavior: 'immediate' },
  );
}

// ---------------------------------------------------------------------------------------------
// Allotments and returns

function movementResult(kind: MovementKind, orderId: string, from: string, to: string, moved: readonly BookletRef[], movement: { id: number; serialsSummary: string }) {
  return {
    movementId: movement.id,
    kind,
    orderId,
    fromOrganisationId: from,
    toOrganisationId: to,
    bookletCount: moved.length,
    serials: moved.map((b) => b.serial),
    serialsSummary: movement.serialsSummary,
  };
}

/** Buyer's stock → a designated prescriber: by count (lowest serials first) or by serials and ranges. */
export function allotBooklets(deps: Deps & { actor: Actor; input: AllotmentInput }) {
  const { db, clock, actor, input } = deps;
  const requested = input.bookletSerials ? expandOrThrow(input.bookletSerials) : null;
  return db.transaction(
    (tx) => {
      const order = requireOwnOrder(tx, actor, input.orderId);
      requireBooklets(order);
      if (!liveDesignation(tx, order.id, input.prescriberId)) {
        throw unprocessable('prescriber_not_designated', 'Désignez d’abord ce prescripteur sur la commande : on ne confie des carnets qu’à un prescripteur désigné.');
      }
      const inStock = and(eq(booklets.orderId, order.id), eq(booklets.holderId, order.buyerId), eq(booklets.status, 'in_stock'));
      let selected: BookletRef[];
      if (requested) {
        const found = findBookletsBySerials(tx, requested);
        const missing = requested.filter((s) => {
          const b = found.get(s);
          return !b || b.orderId !== order.id;
        });
        if (missing.length > 0) {
          throw unprocessable('booklet_not_in_your_stock', `Ces carnets n’appartiennent pas à la commande ${order.reference} : ${nameSerials(missing)}.`, { serials: missing.slice(0, 100) });
        }
        const unavailable = requested.filter((s) => {
          const b = found.get(s)!;
          return b.status !== 'in_stock' || b.holderId !== order.buyerId;
        });
        if (unavailable.length > 0) {
          throw unprocessable('booklet_not_in_your_stock', `Ces carnets ne sont plus dans votre stock (déjà confiés, distribués ou bloqués) : ${nameSerials(unavailable)}.`, {
            serials: unavailable.slice(0, 100),
          });
        }
        selected = requested.map((s) => ({ id: found.get(s)!.id, serial: s }));
      } else {
        const count = input.bookletCount!;
        selected = tx.select({ id: booklets.id, serial: booklets.serial }).from(booklets).where(inStock).orderBy(asc(booklets.position)).limit(count).all();
        if (selected.length < count) {
          throw unprocessable('not_enough_stock', `Il ne reste que ${countOf(selected.length, 'carnet')} en stock sur la commande ${order.reference} : impossible d’en confier ${count}.`, {
            available: selected.length,
          });
        }
      }
      moveBooklets(tx, selected, { holderId: order.buyerId, status: 'in_stock' }, { holderId: input.prescriberId, status: 'allotted' });
      const movement = recordMovement(tx, clock, actor, { kind: 'allotment', orderId: order.id, from: order.buyerId, to: input.prescriberId, booklets: selected });
      recordAudit(tx, clock, actor, 'booklets.allotted', { type: 'order', id: order.id }, { prescriberId: input.prescriberId, bookletCount: selected.length, movementId: movement.id });
      enqueueToOrganisation({ tx, clock, template: 'booklets_allotted', organisationId: input.prescriberId, roles: ['admin', 'agent'], data: { buyerName: actor.organisationName, reference: order.reference, count: selected.length } });
      return movementResult('allotment', order.id, order.buyerId, input.prescriberId, selected, movement);
    },
    { behavior: 'immediate' },
  );
}

/**
 * A prescriber's undistributed booklets back to the buyer's stock: asked by the buyer (naming the
 * prescriber) or by the prescriber itself. By count, the highest serials go back first, so that what
 * the prescriber keeps stays one run of numbers.
 */
export function returnBooklets(deps: Deps & { actor: Actor; input: ReturnInput }) {
  const { db, clock, actor, input } = deps;
  const requested = input.bookletSerials ? expandOrThrow(input.bookletSerials) : null;
  return db.transaction(
    (tx) => {
      let order: OrderRow;
      let prescriberId: string;
      if (actor.organisationKind === 'prescriber') {
        const found = tx.select().from(orders).where(eq(orders.id, input.orderId)).get();
        if (!found || !liveDesignation(tx, found.id, actor.organisationId) || (input.prescriberId && input.prescriberId !== actor.organisationId)) {
          throw orderNotFound();
        }
        order = found;
        prescriberId = actor.organisationId;
      } else {
        order = requireOwnOrder(tx, actor, input.orderId);
        if (!input.prescriberId) throw badRequest('validation_failed', 'Indiquez le prescripteur dont les carnets reviennent.', [{ path: 'prescriberId', message: 'prescripteur obligatoire' }]);
        prescriberId = input.prescriberId;
      }
      requireBooklets(order);
      let selected: BookletRef[];
      if (requested) {
        const found = findBookletsBySerials(tx, requested);
        const notHeld = requested.filter((s) => {
          const b = found.get(s);
          return !b || b.orderId !== order.id || b.holderId !== prescriberId;
        });
        if (notHeld.length > 0) {
          const holder = actor.organisationKind === 'prescriber' ? 'votre stock' : 'le stock de ce prescripteur';
          throw unprocessable('booklet_not_in_your_stock', `Ces carnets ne sont pas dans ${holder} pour la commande ${order.reference} : ${nameSerials(notHeld)}.`, {
            serials: notHeld.slice(0, 100),
          });
        }
        const used = requested.filter((s) => found.get(s)!.status !== 'allotted');
        if (used.length > 0) {
          throw unprocessable('booklet_not_returnable', `Seuls les carnets non distribués reviennent au commanditaire ; déjà distribués ou bloqués : ${nameSerials(used)}.`, {
            serials: used.slice(0, 100),
          });
        }
        selected = requested.map((s) => ({ id: found.get(s)!.id, serial: s }));
      } else {
        const count = input.bookletCount!;
        selected = tx
          .select({ id: booklets.id, serial: booklets.serial })
          .from(booklets)
          .where(and(eq(booklets.orderId, order.id), eq(booklets.holderId, prescriberId), eq(booklets.status, 'allotted')))
          .orderBy(desc(booklets.position))
          .limit(count)
          .all();
        if (selected.length < count) {
          throw unprocessable('not_enough_stock', `Ce prescripteur ne détient que ${countOf(selected.length, 'carnet')} non ${plural(selected.length, 'distribué')} de la commande ${order.reference}.`, {
            available: selected.length,
          });
        }
      }
      moveBooklets(tx, selected, { holderId: prescriberId, status: 'allotted' }, { holderId: order.buyerId, status: 'in_stock' });
      const movement = recordMovement(tx, clock, actor, { kind: 'return', orderId: order.id, from: prescriberId, to: order.buyerId, booklets: selected });
      recordAudit(tx, clock, actor, 'booklets.returned', { type: 'order', id: order.id }, { prescriberId, bookletCount: selected.length, movementId: movement.id });
      // The buyer learns of a return it did not record itself.
      if (actor.organisationKind === 'prescriber') notifyBookletsReturned({ tx, clock, orderId: order.id, prescriberId, count: selected.length });
      return movementResult('return', order.id, prescriberId, order.buyerId, selected, movement);
    },
    { behavior: 'immediate' },
  );
}

// ---------------------------------------------------------------------------------------------
// Distribution

const HANDED_OUT = new Set<BookletStatus>(HANDED_OUT_STATUSES);

/** Codes that are not ours to judge (unknown public, unknown commune) are malformed input: 400, before any rule. */
function validateReferences(db: DbOrTx, input: DistributionInput): void {
  const category = findPublicCategory(db, input.publicCategory);
  if (!category || !category.active) {
    throw badRequest('unknown_reference_code', `Public inconnu : ${input.publicCategory}.`, [{ path: 'publicCategory', message: `public inconnu : ${input.publicCategory}` }]);
  }
  if (!getTerritories().commune(input.communeCode)) {
    const current = getTerritories().currentCommuneCode(input.communeCode);
    const hint = current ? ` (la commune a fusionné : code actuel ${current})` : '';
    throw badRequest('unknown_reference_code', `Commune inconnue : ${input.communeCode}${hint}.`, [{ path: 'communeCode', message: `commune inconnue : ${input.communeCode}${hint}` }]);
  }
}

export interface CheckedDistribution {
  booklet: BookletRow;
  order: OrderRow;
}

/**
 * The rules of a distribution, in the order of the contract: booklet in your stock, order valid yet,
 * order not over, public eligible, commune inside the territory. Reads only.
 */
export function checkDistribution(db: DbOrTx, actor: Actor, input: DistributionInput, today: string): CheckedDistribution {
  const serial = input.bookletSerial;
  const notInStock = (detail = `Le carnet ${serial} n’est pas dans votre stock : vérifiez le numéro, ou demandez au commanditaire de vous le confier.`) =>
    unprocessable('booklet_not_in_your_stock', detail);
  const booklet = db.select().from(booklets).where(eq(booklets.serial, serial)).get();
  // Another organisation's booklet looks exactly like a missing one.
  if (!booklet || booklet.holderId !== actor.organisationId) throw notInStock();
  if (!liveDesignation(db, booklet.orderId, actor.organisationId)) throw notInStock();
  if (HANDED_OUT.has(booklet.status)) {
    const done = db.select({ on: distributions.distributedOn }).from(distributions).where(eq(distributions.bookletId, booklet.id)).get();
    throw conflict('booklet_already_distributed', `Le carnet ${serial} a déjà été distribué${done ? ` le ${formatFrenchDate(done.on)}` : ''}.`);
  }
  if (booklet.status === 'blocked') throw notInStock(`Le carnet ${serial} est bloqué (perdu ou volé) : il ne peut pas être distribué.`);
  if (booklet.status !== 'allotted') throw notInStock();
  refuseHandOutIfBlocked(db, booklet.orderId);

  const order = db.select().from(orders).where(eq(orders.id, booklet.orderId)).get()!;
  if ((order.status !== 'approved' && order.status !== 'closed') || today < order.validFrom) {
    throw unprocessable('order_not_valid_yet', `Ce carnet ne peut être distribué qu’à partir du ${formatFrenchDate(order.validFrom)}, début de validité de la commande.`);
  }
  if (order.status === 'closed' || today > order.validUntil) {
    throw unprocessable('order_expired', `Les carnets de cette commande étaient à distribuer jusqu’au ${formatFrenchDate(order.validUntil)} : la commande a pris fin, plus aucune distribution n’est possible.`);
  }
  if (order.publics !== null && !order.publics.includes(input.publicCategory)) {
    const labels = new Map(listPublicCategories(db, { includeInactive: true }).map((c) => [c.code, c.label]));
    const label = labels.get(input.publicCategory) ?? input.publicCategory;
    throw unprocessable(
      'public_not_eligible',
      `Le public « ${label} » n’est pas éligible à ce carnet. Publics éligibles : ${order.publics.map((c) => labels.get(c) ?? c).join(', ')}.`,
    );
  }
  if (!getTerritories().isCommuneInTerritory(input.communeCode, order.territory ?? null)) {
    const commune = getTerritories().commune(input.communeCode)!;
    throw unprocessable(
      'territory_not_eligible',
      `${commune.name} (${commune.code}) est hors du territoire de ce carnet : ${getTerritories().describeTerritory(order.territory ?? null)}. Le bénéficiaire doit résider dans ce territoire.`,
    );
  }
  return { booklet, order };
}

/**
 * Writes a checked distribution. The conditional UPDATE is what makes one booklet go to one
 * beneficiary whatever the concurrency: only the request that still finds it `allotted` goes on.
 */
export function commitDistribution(tx: Tx, clock: Clock, actor: Actor, checked: CheckedDistribution, input: DistributionInput) {
  const { booklet, order } = checked;
  const now = clock.now();
  const changed = tx
    .update(booklets)
    .set({ status: 'distributed' })
    .where(and(eq(booklets.id, booklet.id), eq(booklets.holderId, actor.organisationId), eq(booklets.status, 'allotted')))
    .run();
  if (changed.changes !== 1) throw conflict('booklet_already_distributed', `Le carnet ${booklet.serial} vient d’être distribué par ailleurs.`);
  const row: DistributionRow = {
    id: newId(),
    bookletId: booklet.id,
    orderId: order.id,
    buyerId: order.buyerId,
    prescriberId: actor.organisationId,
    publicCategory: input.publicCategory,
    communeCode: getTerritories().commune(input.communeCode)!.code,
    ageBand: input.ageBand ?? null,
    distributedOn: parisDate(now),
    distributedAt: now.toISOString(),
    recordedByUserId: actor.userId,
  };
  tx.insert(distributions).values(row).run();
  // Funding gate (domain rule 3): without funding the passes stay issued and activate when it opens.
  const funded = order.fundedAt !== null;
  if (funded) activateBookletPasses(tx, clock, booklet.id);
  recordMovement(tx, clock, actor, { kind: 'distribution', orderId: order.id, from: actor.organisationId, to: null, booklets: [booklet] });
  recordAudit(tx, clock, actor, 'booklet.distributed', { type: 'booklet', id: booklet.id }, { distributionId: row.id });
  return {
    id: row.id,
    bookletSerial: booklet.serial,
    orderId: order.id,
    publicCategory: row.publicCategory,
    communeCode: row.communeCode,
    communeName: getTerritories().commune(row.communeCode)!.name,
    ageBand: row.ageBand,
    distributedOn: row.distributedOn,
    distributedAt: row.distributedAt,
    passCount: booklet.passCount,
    passesActive: funded,
  };
}

export function distributeBooklet(deps: Deps & { actor: Actor; input: DistributionInput }) {
  const { db, clock, actor, input } = deps;
  validateReferences(db, input);
  return db.transaction(
    (tx) => {
      const checked = checkDistribution(tx, actor, input, parisDate(clock.now()));
      return commitDistribution(tx, clock, actor, checked, input);
    },
    { behavior: 'immediate' },
  );
}

// ---------------------------------------------------------------------------------------------
// Blocking (domain rule 6)

const BLOCKABLE = new Set<BookletStatus>(['in_stock', 'allotted', 'distributed', 'started']);

/** The booklet if the actor may block it: its buyer, or the prescriber holding it while designated. */
export function findBlockableBooklet(db: DbOrTx, actor: Actor, serial: string): BookletRow | undefined {
  const booklet = db.select().from(booklets).where(eq(booklets.serial, serial)).get();
  if (!booklet) return undefined;
  if (actor.organisationKind === 'buyer') return booklet.buyerId === actor.organisationId ? booklet : undefined;
  if (actor.organisationKind === 'prescriber') {
    return booklet.holderId === actor.organisationId && liveDesignation(db, booklet.orderId, actor.organisationId) ? booklet : undefined;
  }
  return undefined;
}

/** A booklet's history is for its buyer, the organisation holding it, and the operator. */
export function findBookletForHistory(db: DbOrTx, actor: Actor, serial: string): BookletRow | undefined {
  const booklet = db.select().from(booklets).where(eq(booklets.serial, serial)).get();
  if (!booklet) return undefined;
  if (isOperator(actor) || booklet.buyerId === actor.organisationId || booklet.holderId === actor.organisationId) return booklet;
  return undefined;
}

export function blockBooklet(deps: Deps & { actor: Actor; serial: string; reason: BlockReason }) {
  const { db, clock, actor, serial, reason } = deps;
  return db.transaction(
    (tx) => {
      const booklet = findBlockableBooklet(tx, actor, serial);
      if (!booklet) throw notFound('booklet_not_found', `Carnet ${serial} introuvable.`);
      if (booklet.status === 'blocked') throw conflict('booklet_already_blocked', `Le carnet ${serial} est déjà bloqué.`);
      if (!BLOCKABLE.has(booklet.status)) throw conflict('booklet_not_blockable', `Le carnet ${serial} est ${booklet.status === 'used_up' ? 'épuisé' : 'expiré'} : il n’y a plus rien à bloquer.`);
      const changed = tx
        .update(booklets)
        .set({ status: 'blocked' })
        .where(and(eq(booklets.id, booklet.id), eq(booklets.status, booklet.status)))
        .run();
      if (changed.changes !== 1) throw conflict('booklets_changed', `Le carnet ${serial} a changé d’état pendant l’opération : recommencez.`);
      // Redeemed and reimbursed passes are history, paid for: only what could still be used is blocked.
      const blocked = tx
        .update(passes)
        .set({ status: 'blocked' })
        .where(and(eq(passes.bookletId, booklet.id), inArray(passes.status, ['issued', 'active'])))
        .run().changes;
      recordMovement(tx, clock, actor, { kind: 'block', orderId: booklet.orderId, from: booklet.holderId, to: null, booklets: [booklet], reason });
      recordAudit(tx, clock, actor, 'booklet.blocked', { type: 'booklet', id: booklet.id }, { reason, previousStatus: booklet.status, blockedPassCount: blocked });
      return { serial: booklet.serial, status: 'blocked' as const, previousStatus: booklet.status, reason, blockedPassCount: blocked };
    },
    { behavior: 'immediate' },
  );
}

