/** Blocking a lost or stolen booklet (domain rule 6): by its buyer, or by the prescriber holding it. */
import type { DbOrTx } from '../../../db/client.ts';
import type { BookletStatus } from '../../../db/schema/booklets.ts';
import type { BlockReason } from '../../../db/schema/distribution.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';

import { blockUsablePassesOfBooklet, markBookletBlocked } from '../booklets/booklet-status.repository.ts';
import { recordMovement, type BookletRow, type Deps } from './distribution.core.ts';
import { liveDesignation } from './designations.repository.ts';
import { bookletBySerial } from './stock.repository.ts';
import { bookletAlreadyBlocked, bookletChangedMeanwhile, bookletNotBlockable, bookletNotFound } from './distribution.errors.ts';

// ---------------------------------------------------------------------------------------------
// Blocking (domain rule 6)

const BLOCKABLE = new Set<BookletStatus>(['in_stock', 'allotted', 'distributed', 'started']);

/** The booklet if the actor may block it: its buyer, or the prescriber holding it while designated. */
export function findBlockableBooklet(db: DbOrTx, actor: Actor, serial: string): BookletRow | undefined {
  const booklet = bookletBySerial(db, serial);
  if (!booklet) return undefined;
  if (actor.organisationKind === 'buyer') return booklet.buyerId === actor.organisationId ? booklet : undefined;
  if (actor.organisationKind === 'prescriber') {
    return booklet.holderId === actor.organisationId && liveDesignation(db, booklet.orderId, actor.organisationId) ? booklet : undefined;
  }
  return undefined;
}

/** A booklet's history is for its buyer, the organisation holding it, and the operator. */
export function findBookletForHistory(db: DbOrTx, actor: Actor, serial: string): BookletRow | undefined {
  const booklet = bookletBySerial(db, serial);
  if (!booklet) return undefined;
  if (isOperator(actor) || booklet.buyerId === actor.organisationId || booklet.holderId === actor.organisationId) return booklet;
  return undefined;
}

export function blockBooklet(deps: Deps & { actor: Actor; serial: string; reason: BlockReason }) {
  const { db, clock, actor, serial, reason } = deps;
  return db.transaction(
    (tx) => {
      const booklet = findBlockableBooklet(tx, actor, serial);
      if (!booklet) throw bookletNotFound(serial);
      if (booklet.status === 'blocked') throw bookletAlreadyBlocked(serial);
      if (!BLOCKABLE.has(booklet.status)) throw bookletNotBlockable(serial, booklet.status);
      if (!markBookletBlocked(tx, booklet.id, booklet.status)) throw bookletChangedMeanwhile(serial);
      // Redeemed and reimbursed passes are history, paid for: only what could still be used is blocked.
      const blocked = blockUsablePassesOfBooklet(tx, booklet.id);
      recordMovement(tx, clock, actor, { kind: 'block', orderId: booklet.orderId, from: booklet.holderId, to: null, booklets: [booklet], reason });
      recordAudit(tx, clock, actor, 'booklet.blocked', { type: 'booklet', id: booklet.id }, { reason, previousStatus: booklet.status, blockedPassCount: blocked });
      return { serial: booklet.serial, status: 'blocked' as const, previousStatus: booklet.status, reason, blockedPassCount: blocked };
    },
    { behavior: 'immediate' },
  );
}


