/** Hand-outs: a prescriber gives a booklet to a beneficiary, checked against the order's publics and territory. */
import type { DbOrTx, Tx } from '../../../db/client.ts';
import type { BookletStatus } from '../../../db/schema/booklets.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { newId } from '../../shared/secrets.ts';
import { type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';
import { findPublicCategory, listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import { activateBookletPasses, HANDED_OUT_STATUSES } from './activation.ts';
import { type DistributionInput } from './distribution.schemas.ts';
import { refuseHandOutIfBlocked } from '../oversight/end-of-validity.guard.ts';
import { markBookletDistributed } from '../booklets/booklet-status.repository.ts';
import { liveDesignation } from './designations.repository.ts';
import { handOutDateOf, insertDistribution } from './handouts.repository.ts';
import { bookletBySerial, orderById } from './stock.repository.ts';

import { recordMovement, type BookletRow, type Deps, type DistributionRow } from './distribution.core.ts';
import {
  blockedBookletNotHandedOut,
  bookletAlreadyDistributed,
  bookletJustDistributed,
  bookletNotInYourStock,
  communeOutsideTerritory,
  orderNotValidYet,
  orderOver,
  publicNotEligible,
  unknownCommune,
  unknownPublic,
} from './distribution.errors.ts';

// ---------------------------------------------------------------------------------------------
// Distribution

const HANDED_OUT = new Set<BookletStatus>(HANDED_OUT_STATUSES);

/** Codes that are not ours to judge (unknown public, unknown commune) are malformed input: 400, before any rule. */
function validateReferences(db: DbOrTx, input: DistributionInput): void {
  const category = findPublicCategory(db, input.publicCategory);
  if (!category || !category.active) {
    throw unknownPublic(input.publicCategory);
  }
  if (!getTerritories().commune(input.communeCode)) {
    throw unknownCommune(input.communeCode, getTerritories().currentCommuneCode(input.communeCode) ?? undefined);
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
  const notInStock = () => bookletNotInYourStock(serial);
  const booklet = bookletBySerial(db, serial);
  // Another organisation's booklet looks exactly like a missing one.
  if (!booklet || booklet.holderId !== actor.organisationId) throw notInStock();
  if (!liveDesignation(db, booklet.orderId, actor.organisationId)) throw notInStock();
  if (HANDED_OUT.has(booklet.status)) {
    const done = handOutDateOf(db, booklet.id);
    throw bookletAlreadyDistributed(serial, done);
  }
  if (booklet.status === 'blocked') throw blockedBookletNotHandedOut(serial);
  if (booklet.status !== 'allotted') throw notInStock();
  refuseHandOutIfBlocked(db, booklet.orderId);

  const order = orderById(db, booklet.orderId)!;
  if ((order.status !== 'approved' && order.status !== 'closed') || today < order.validFrom) {
    throw orderNotValidYet(order.validFrom);
  }
  if (order.status === 'closed' || today > order.validUntil) {
    throw orderOver(order.validUntil);
  }
  if (order.publics !== null && !order.publics.includes(input.publicCategory)) {
    const labels = new Map(listPublicCategories(db, { includeInactive: true }).map((c) => [c.code, c.label]));
    const label = labels.get(input.publicCategory) ?? input.publicCategory;
    throw publicNotEligible(
      label,
      order.publics.map((c) => labels.get(c) ?? c),
    );
  }
  if (!getTerritories().isCommuneInTerritory(input.communeCode, order.territory ?? null)) {
    const commune = getTerritories().commune(input.communeCode)!;
    throw communeOutsideTerritory(commune, getTerritories().describeTerritory(order.territory ?? null));
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
  if (!markBookletDistributed(tx, booklet.id, actor.organisationId)) throw bookletJustDistributed(booklet.serial);
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
  insertDistribution(tx, row);
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

