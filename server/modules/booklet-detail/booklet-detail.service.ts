import type { DbOrTx } from '../../../db/client.ts';
import type { PassStatus } from '../../../db/schema/booklets.ts';
import type { Actor } from '../identity/actor.ts';
import { BOOKLET_STATUS_LABELS, PASS_STATUS_LABELS } from '../booklets/booklets.schemas.ts';
import { maskPassCode } from '../booklets/pass-code.ts';
import { lastAcceptedDay } from '../booklets/redeemability.ts';
import { serialCandidates } from '../booklets/serial-format.ts';
import { listMovements, type MovementListRow } from '../distribution/distribution.repository.ts';
import { BLOCK_REASON_LABELS } from '../distribution/distribution.schemas.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories } from '../territories/territories.ts';
import * as repo from './booklet-detail.repository.ts';
import type { BookletRecord, HistoryEvent } from './booklet-detail.schemas.ts';
import { bookletNotFound } from './booklet-detail.errors.ts';

/** A booklet's custody moves are few (issued, allotted, maybe returned, handed out or blocked): this bounds a pathological one. */
const HISTORY_LIMIT = 200;


/**
 * The serial of the booklet a search names, if the actor may see it: exact, whatever the case,
 * spaces or dashes typed ("cd31 2026 000001"), or the booklet's QR code URL. `orderId` keeps the
 * search inside one order.
 */
export function findBookletSerial(input: { db: DbOrTx; actor: Actor; search: string; orderId?: string }): string | undefined {
  return repo.findVisibleBooklet(input.db, input.actor, serialCandidates(input.search), input.orderId)?.booklet.serial;
}

function movementEvent(m: MovementListRow): HistoryEvent {
  const by = m.actorName ? `${m.actorName}${m.actorOrganisationName ? ` (${m.actorOrganisationName})` : ''}` : (m.actorOrganisationName ?? null);
  const from = m.fromOrganisationName ?? 'une organisation';
  const to = m.toOrganisationName ?? 'une organisation';
  const label = {
    allotment: `Confié à ${to}`,
    return: `Rendu par ${from} à ${to}`,
    revocation_return: `Repris à ${from} au retrait de sa désignation, rendu à ${to}`,
    distribution: `Remis à un bénéficiaire par ${from}`,
    block: `Bloqué : ${m.reason ? BLOCK_REASON_LABELS[m.reason].toLowerCase() : 'motif non précisé'}`,
  }[m.kind];
  return { at: m.at, kind: m.kind, label, by, details: null };
}

/** What a pass's line says beside its status: where and when it was redeemed, and redemptions cancelled since. */
function passDetails(status: PassStatus, redemptions: ReturnType<typeof repo.redemptionsOf>) {
  return redemptions.map((r) => ({
    status: r.status,
    placeName: r.placeName,
    siteName: r.siteName,
    amountCents: r.amountCents,
    redeemedAt: r.redeemedAt,
    cancelledAt: r.cancelledAt,
    current: r.status === 'live' && (status === 'redeemed' || status === 'reimbursed'),
  }));
}

/**
 * One booklet as its page and `GET /api/v1/booklets/{serial}` show it: status, order, territory
 * and validity, custody history, and its passes with what became of them. Another organisation's
 * booklet is a 404. A buyer does not see the public and commune of the person who received it,
 * nor where and when each pass was used, only what became of it: one booklet is one person, and
 * domain rule 10 shows buyers only counts of 5 and more. Shown booklet by booklet, places and dates
 * of use would give back every cell the usage dashboard masks for the buyer (by place, by month,
 * time to first use).
 */
export function bookletRecord(input: { db: DbOrTx; actor: Actor; serial: string; gracePeriodDays: number }): BookletRecord {
  const { db, actor } = input;
  const found = repo.findVisibleBooklet(db, actor, serialCandidates(input.serial));
  if (!found) throw bookletNotFound(input.serial);
  const { booklet, order, buyerName } = found;

  const history: HistoryEvent[] = [
    { at: booklet.createdAt, kind: 'issued', label: `Émis à l’approbation de la commande ${order.reference}`, by: repo.approverName(db, order.approvedByUserId) ?? null, details: null },
  ];
  const movements = listMovements(db, actor, { limit: HISTORY_LIMIT, bookletId: booklet.id }).slice(0, HISTORY_LIMIT).reverse();
  const handOut = repo.distributionOf(db, booklet.id);
  const showsBeneficiary = actor.organisationKind !== 'buyer';
  const showsUses = showsBeneficiary;
  const categories = new Map(listPublicCategories(db, { includeInactive: true }).map((c) => [c.code, c.label]));
  for (const m of movements) {
    const event = movementEvent(m);
    if (m.kind === 'distribution' && handOut) {
      const commune = getTerritories().commune(handOut.communeCode);
      event.details = showsBeneficiary
        ? `Public : ${categories.get(handOut.publicCategory) ?? handOut.publicCategory}. Commune de résidence : ${commune ? `${commune.name} (${commune.departement})` : handOut.communeCode}.`
        : 'Le public et la commune du bénéficiaire ne sont montrés au commanditaire qu’en statistiques, à partir de 5 personnes.';
    }
    history.push(event);
  }

  const passRows = repo.passesOf(db, booklet.id);
  const redemptions = repo.redemptionsOf(
    db,
    passRows.map((p) => p.id),
  );
  return {
    serial: booklet.serial,
    orderId: booklet.orderId,
    status: booklet.status,
    statusLabel: BOOKLET_STATUS_LABELS[booklet.status],
    position: booklet.position,
    holderId: booklet.holderId,
    holderName: repo.organisationName(db, booklet.holderId) ?? '',
    order: { id: order.id, reference: order.reference, buyerId: order.buyerId, buyerName },
    territory: getTerritories().describeTerritory(order.territory ?? null),
    validFrom: order.validFrom,
    validUntil: order.validUntil,
    graceUntil: lastAcceptedDay(order.validUntil, input.gracePeriodDays),
    history,
    usesShown: showsUses,
    passes: passRows.map((p) => ({
      position: p.position,
      code: p.code,
      maskedCode: maskPassCode(p.code),
      status: p.status,
      statusLabel: PASS_STATUS_LABELS[p.status],
      faceValueCents: p.faceValueCents,
      redemptions: showsUses
        ? passDetails(
            p.status,
            redemptions.filter((r) => r.passId === p.id),
          )
        : [],
    })),
  };
}
