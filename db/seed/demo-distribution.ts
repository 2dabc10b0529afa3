import { actorForEmail } from '../../server/modules/accounts/accounts.service.ts';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { orders } from '../schema/orders.ts';
import type { AgeBand } from '../schema/distribution.ts';
import type { Clock } from '../../server/shared/clock.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import { listStock } from '../../server/modules/distribution/distribution.repository.ts';
import { allotBooklets, blockBooklet, designatePrescriber, distributeBooklet, returnBooklets } from '../../server/modules/distribution/distribution.service.ts';

/** The demo account's actor (every demo e-mail exists once the accounts are seeded). */
function actorFor(db: Db, email: string): Actor {
  return actorForEmail(db, email)!;
}

type Handout = [publicCategory: string, communeCode: string, ageBand?: AgeBand];

// Varied enough for the statistics to show both visible cells and "< 5" ones.
const MISSION_LOCALE: Handout[] = [
  ['jeunes_16_25_insertion', '31555', '16_25'],
  ['jeunes_16_25_insertion', '31555', '16_25'],
  ['jeunes_16_25_insertion', '31555'],
  ['jeunes_16_25_insertion', '31555', '16_25'],
  ['jeunes_16_25_insertion', '31069', '16_25'],
  ['jeunes_16_25_insertion', '31557', '16_25'],
  ['demandeurs_emploi', '31555', '26_44'],
  ['demandeurs_emploi', '31555', '26_44'],
  ['demandeurs_emploi', '31555', '45_59'],
  ['demandeurs_emploi', '31149', '26_44'],
  ['demandeurs_emploi', '31395'],
  ['decrocheurs_peu_qualifies', '31555', '16_25'],
  ['decrocheurs_peu_qualifies', '31555', '16_25'],
  ['decrocheurs_peu_qualifies', '31483', '16_25'],
];

const CCAS: Handout[] = [
  ['seniors_60_plus', '31149', '75_plus'],
  ['seniors_60_plus', '31149', '60_74'],
  ['seniors_60_plus', '31149', '60_74'],
  ['seniors_60_plus', '31555', '75_plus'],
  ['minima_sociaux', '31149', '26_44'],
  ['minima_sociaux', '31149', '45_59'],
  ['minima_sociaux', '31149'],
  ['allophones', '31149', '26_44'],
];

/**
 * The demo order's distribution network, through the same use cases as the pages: both demo
 * prescribers designated, booklets allotted, some handed out to varied publics and communes,
 * one returned batch and one booklet reported lost.
 */
export function seedDemoDistribution(db: Db, clock: Clock): void {
  const buyer = actorFor(db, 'commandes@departement31.demo');
  const missionLocale = actorFor(db, 'conseillere@missionlocale-toulouse.demo');
  const ccas = actorFor(db, 'accueil@ccas-colomiers.demo');
  const order = db
    .select()
    .from(orders)
    .where(and(eq(orders.buyerId, buyer.organisationId), eq(orders.status, 'approved')))
    // The current order (the earlier one is past its validity).
    .orderBy(desc(orders.createdAt))
    .get();
  if (!order) return;
  const deps = { db, clock };
  for (const prescriber of [missionLocale, ccas]) designatePrescriber({ ...deps, actor: buyer, orderId: order.id, prescriberId: prescriber.organisationId });
  allotBooklets({ ...deps, actor: buyer, input: { orderId: order.id, prescriberId: missionLocale.organisationId, bookletCount: 30 } });
  allotBooklets({ ...deps, actor: buyer, input: { orderId: order.id, prescriberId: ccas.organisationId, bookletCount: 20 } });

  for (const [prescriber, handouts] of [
    [missionLocale, MISSION_LOCALE],
    [ccas, CCAS],
  ] as const) {
    const stock = listStock(db, prescriber, { limit: handouts.length });
    handouts.forEach(([publicCategory, communeCode, ageBand], i) => {
      distributeBooklet({ ...deps, actor: prescriber, input: { bookletSerial: stock[i]!.serial, publicCategory, communeCode, ageBand } });
    });
  }
  returnBooklets({ ...deps, actor: ccas, input: { orderId: order.id, bookletCount: 2 } });
  const lost = listStock(db, missionLocale, { limit: 500 }).at(-1);
  if (lost) blockBooklet({ ...deps, actor: missionLocale, serial: lost.serial, reason: 'lost' });
}
