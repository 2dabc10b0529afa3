import { enqueueToOrganisation } from '../notifications/outbox.ts';
import { notifyBookletsReturned } from '../notifications/lifecycle-notices.ts';
import type { Db, DbOrTx, Tx } from '../../../db/client.ts';
import type { booklets, BookletStatus } from '../../../db/schema/booklets.ts';
import type { BlockReason, distributions, MovementKind } from '../../../db/schema/distribution.ts';
import type { Clock } from '../../shared/clock.ts';
import { type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';
import { MAX_BOOKLETS_PER_MOVE, type AllotmentInput, type ReturnInput } from './distribution.schemas.ts';
import { expandSerialSelection, summariseSerials } from '../booklets/serial-ranges.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { moveBookletsToHolder } from '../booklets/booklet-status.repository.ts';
import { insertDesignation, liveDesignation, organisationById, revokeDesignation } from './designations.repository.ts';
import { bookletsWithSerials, heldBooklets, insertMovement, insertMovementItems, orderById } from './stock.repository.ts';
import {
  bookletsChangedMeanwhile,
  bookletsNoLongerInStock,
  bookletsNotHeld,
  bookletsNotOfOrder,
  bookletsNotReturnable,
  designationNotFound,
  invalidBookletSerials,
  notEnoughStockToAllot,
  notEnoughStockToReturn,
  orderClosedToDesignation,
  orderHasNoBookletsYet,
  prescriberAlreadyDesignated,
  prescriberNotDesignated,
  prescriberNotFound,
  returningPrescriberRequired,
} from './distribution.errors.ts';

// Read by the hand-out and blocking use cases, and by pages through distribution.service.ts.
export { liveDesignation } from './designations.repository.ts';

export type BookletRow = typeof booklets.$inferSelect;
export type DistributionRow = typeof distributions.$inferSelect;
export type BookletRef = Pick<BookletRow, 'id' | 'serial'>;

export interface Deps {
  db: Db;
  clock: Clock;
}

// SQLite limits bound parameters per statement; large selections go by slices.
const CHUNK = 500;
export function chunked<T>(list: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** "A, B, C et 4 autres": refusals name the serials, without flooding the message. */

// ---------------------------------------------------------------------------------------------
// Scoping

/** The buyer's own order; anyone else's, or a missing one, is the same 404. */
export function requireOwnOrder(tx: DbOrTx, actor: Actor, orderId: string): OrderRow {
  const order = orderById(tx, orderId);
  if (!order || order.buyerId !== actor.organisationId) throw orderNotFound();
  return order;
}

export function requireBooklets(order: OrderRow): void {
  if (order.status !== 'approved') {
    throw orderHasNoBookletsYet(order.reference);
  }
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
  const movementId = insertMovement(tx, {
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
  });
  for (const slice of chunked(input.booklets)) {
    insertMovementItems(tx, movementId, slice.map((b) => b.id));
  }
  return { id: movementId, serialsSummary };
}

/**
 * Moves booklets between holders with conditional UPDATEs: each row changes only if it is still where
 * the selection found it, and the whole move is undone (the transaction throws) if any row was not.
 */
export function moveBooklets(
  tx: Tx,
  selected: readonly BookletRef[],
  from: { holderId: string; status: BookletStatus },
  to: { holderId: string; status: BookletStatus },
): void {
  let changed = 0;
  for (const slice of chunked(selected)) {
    changed += moveBookletsToHolder(tx, slice.map((b) => b.id), from, to);
  }
  if (changed !== selected.length) {
    throw bookletsChangedMeanwhile();
  }
}

export function findBookletsBySerials(tx: DbOrTx, serials: readonly string[]): Map<string, BookletRow> {
  const found = new Map<string, BookletRow>();
  for (const slice of chunked(serials)) {
    for (const b of bookletsWithSerials(tx, slice)) found.set(b.serial, b);
  }
  return found;
}

export function expandOrThrow(items: readonly string[]): string[] {
  const result = expandSerialSelection(items, MAX_BOOKLETS_PER_MOVE);
  if ('error' in result) throw invalidBookletSerials(result.error.message);
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
        throw orderClosedToDesignation(order.reference, order.status);
      }
      const prescriber = organisationById(tx, prescriberId);
      if (!prescriber || prescriber.kind !== 'prescriber' || prescriber.status !== 'active') {
        throw prescriberNotFound();
      }
      const now = clock.now().toISOString();
      if (!insertDesignation(tx, { orderId, prescriberId, designatedAt: now, designatedByUserId: actor.userId })) throw prescriberAlreadyDesignated(prescriber.name, order.reference);
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
      if (!designation) throw designationNotFound();
      revokeDesignation(tx, designation.id, { revokedAt: clock.now().toISOString(), revokedByUserId: actor.userId });
      const held = heldBooklets(tx, { orderId, holderId: prescriberId, status: 'allotted', first: 'lowest' });
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

export function movementResult(kind: MovementKind, orderId: string, from: string, to: string, moved: readonly BookletRef[], movement: { id: number; serialsSummary: string }) {
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
        throw prescriberNotDesignated();
      }
      let selected: BookletRef[];
      if (requested) {
        const found = findBookletsBySerials(tx, requested);
        const missing = requested.filter((s) => {
          const b = found.get(s);
          return !b || b.orderId !== order.id;
        });
        if (missing.length > 0) {
          throw bookletsNotOfOrder(order.reference, missing);
        }
        const unavailable = requested.filter((s) => {
          const b = found.get(s)!;
          return b.status !== 'in_stock' || b.holderId !== order.buyerId;
        });
        if (unavailable.length > 0) {
          throw bookletsNoLongerInStock(unavailable);
        }
        selected = requested.map((s) => ({ id: found.get(s)!.id, serial: s }));
      } else {
        const count = input.bookletCount!;
        selected = heldBooklets(tx, { orderId: order.id, holderId: order.buyerId, status: 'in_stock', first: 'lowest', limit: count });
        if (selected.length < count) {
          throw notEnoughStockToAllot(order.reference, selected.length, count);
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
        const found = orderById(tx, input.orderId);
        if (!found || !liveDesignation(tx, found.id, actor.organisationId) || (input.prescriberId && input.prescriberId !== actor.organisationId)) {
          throw orderNotFound();
        }
        order = found;
        prescriberId = actor.organisationId;
      } else {
        order = requireOwnOrder(tx, actor, input.orderId);
        if (!input.prescriberId) throw returningPrescriberRequired();
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
          throw bookletsNotHeld(holder, order.reference, notHeld);
        }
        const used = requested.filter((s) => found.get(s)!.status !== 'allotted');
        if (used.length > 0) {
          throw bookletsNotReturnable(used);
        }
        selected = requested.map((s) => ({ id: found.get(s)!.id, serial: s }));
      } else {
        const count = input.bookletCount!;
        selected = heldBooklets(tx, { orderId: order.id, holderId: prescriberId, status: 'allotted', first: 'highest', limit: count });
        if (selected.length < count) {
          throw notEnoughStockToReturn(order.reference, selected.length);
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

