/** Hand-outs: a prescriber gives a booklet to a beneficiary, checked against the order's publics and territory. */
import type { DbOrTx, Tx } from '../../../db/client.ts';
import type { BookletStatus } from '../../../db/schema/booklets.ts';
import type { Clock } from '../../shared/clock.ts';
import { formatFrenchDate, parisDate } from '../../shared/paris-time.ts';
import { badRequest, conflict, unprocessable } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { type Actor } from '../accounts/actor.ts';
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
  const booklet = bookletBySerial(db, serial);
  // Another organisation's booklet looks exactly like a missing one.
  if (!booklet || booklet.holderId !== actor.organisationId) throw notInStock();
  if (!liveDesignation(db, booklet.orderId, actor.organisationId)) throw notInStock();
  if (HANDED_OUT.has(booklet.status)) {
    const done = handOutDateOf(db, booklet.id);
    throw conflict('booklet_already_distributed', `Le carnet ${serial} a déjà été distribué${done ? ` le ${formatFrenchDate(done)}` : ''}.`);
  }
  if (booklet.status === 'blocked') throw notInStock(`Le carnet ${serial} est bloqué (perdu ou volé) : il ne peut pas être distribué.`);
  if (booklet.status !== 'allotted') throw notInStock();
  refuseHandOutIfBlocked(db, booklet.orderId);

  const order = orderById(db, booklet.orderId)!;
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
  if (!markBookletDistributed(tx, booklet.id, actor.organisationId)) throw conflict('booklet_already_distributed', `Le carnet ${booklet.serial} vient d’être distribué par ailleurs.`);
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

