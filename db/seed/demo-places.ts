import { actorForEmail } from '../../server/modules/accounts/accounts.service.ts';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { organisations } from '../schema/accounts.ts';
import { booklets, passes } from '../schema/booklets.ts';
import { placeBankAccounts, places, placeSites } from '../schema/places.ts';
import type { Clock } from '../../server/shared/clock.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import { recordAudit } from '../../server/modules/audit/audit.repository.ts';
import type { PassCodeFactory } from '../../server/modules/booklets/pass-code.ts';
import { redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { newId } from '../../server/shared/secrets.ts';

interface DemoPlace {
  email: string;
  siret: string;
  legalRepresentative: string;
  bank: { holder: string; iban: string; bic: string };
  site: { name: string; address: string; postalCode: string; communeCode: string; openingHours: string; services: string[]; free: boolean };
}

// The three demo places of db/seed/demo.ts, found by their user's e-mail. SIRETs and IBANs are
// made up but valid (Luhn, IBAN key and clé RIB), so every screen treats them as real ones.
const DEMO_PLACES: DemoPlace[] = [
  {
    email: 'mediateur@epn-muret.demo',
    siret: '21310395000019',
    legalRepresentative: 'Le maire de Muret',
    bank: { holder: 'Trésor public — Commune de Muret', iban: 'FR7630001007941234567890185', bic: 'BDFEFRPPCCT' },
    site: {
      name: 'Espace public numérique — centre-ville',
      address: '7 place Léon Blum',
      postalCode: '31600',
      communeCode: '31395',
      openingHours: 'Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00',
      services: ['Aide aux démarches administratives', 'Maîtrise des outils numériques du quotidien', 'Accès internet et matériel informatique'],
      free: true,
    },
  },
  {
    email: 'accueil@mediatheque-blagnac.demo',
    siret: '21310069000014',
    legalRepresentative: 'Le maire de Blagnac',
    bank: { holder: 'Trésor public — Commune de Blagnac', iban: 'FR7610107001011234567890129', bic: 'BREDFRPPXXX' },
    site: {
      name: 'Médiathèque — espace multimédia',
      address: '4 avenue du Parc',
      postalCode: '31700',
      communeCode: '31069',
      openingHours: 'Tu-Sa 10:00-18:00; PH off',
      services: ['Compréhension du monde numérique', 'Utilisation sécurisée du numérique', 'Parentalité et éducation avec le numérique'],
      free: false,
    },
  },
  {
    email: 'contact@fablab-saint-gaudens.demo',
    siret: '77500000098761',
    legalRepresentative: 'Inès Fabmanageuse, présidente',
    bank: { holder: 'Association Fablab du Comminges', iban: 'FR7630004000031234567890143', bic: 'AGRIFRPP' },
    site: {
      name: 'Fablab — atelier',
      address: '3 rue de la Fabrique',
      postalCode: '31800',
      communeCode: '31483',
      openingHours: 'We-Sa 14:00-19:00',
      services: ['Loisirs et créations numériques', 'Insertion professionnelle via le numérique'],
      free: false,
    },
  },
];

/**
 * The service a demo redemption is tagged with (issue 18): the place's main service (the first of
 * its catalogue), so that the usage dashboards show services with counts of 5 or more next to
 * masked ones; every fourth names none ("Non précisé"), as a scan without a choice does.
 */
export function demoServiceFor(email: string, i: number): string | undefined {
  const services = DEMO_PLACES.find((p) => p.email === email)?.site.services ?? [];
  return i % 4 === 3 ? undefined : services[0];
}

/** The demo account's actor (every demo e-mail exists once the accounts are seeded). */
function actorFor(db: Db, email: string): Actor | undefined {
  return actorForEmail(db, email);
}

/**
 * The demo places as the operator leaves them after review: labelled, one site each in their
 * commune, bank details validated by finance. Then a few demo passes already redeemed, through the
 * redemption use case itself (journal entries included), when distribution has handed some out.
 */
export function seedDemoPlaces(db: Db, clock: Clock, codes: PassCodeFactory, gracePeriodDays = 31): void {
  const now = clock.now().toISOString();
  const placeActors: Actor[] = [];
  db.transaction((tx) => {
    for (const demo of DEMO_PLACES) {
      const actor = actorFor(db, demo.email);
      if (!actor) continue;
      placeActors.push(actor);
      const placeId = actor.organisationId;
      tx.update(organisations)
        .set({ siret: demo.siret, address: `${demo.site.address}, ${demo.site.postalCode}` })
        .where(eq(organisations.id, placeId))
        .run();
      tx.insert(places)
        .values({
          organisationId: placeId,
          status: 'labelled',
          legalRepresentative: demo.legalRepresentative,
          contactEmail: demo.email,
          source: 'application',
          pivot: demo.siret,
          appliedAt: now,
          labelledAt: now,
          decidedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .run();
      tx.insert(placeSites)
        .values({ id: newId(), placeId, ...demo.site, active: true, createdAt: now, updatedAt: now })
        .run();
      tx.insert(placeBankAccounts)
        .values({ id: newId(), placeId, ...demo.bank, status: 'validated', submittedAt: now, decidedAt: now })
        .run();
      recordAudit(tx, clock, null, 'place.labelled', { type: 'place', id: placeId }, { demo: true });
    }
  });

  // A few passes of the first handed-out booklets are already used, so that statements, the
  // month's list and "already used" verdicts have something to show.
  const active = db
    .select({ code: passes.code, bookletId: passes.bookletId })
    .from(passes)
    .innerJoin(booklets, eq(booklets.id, passes.bookletId))
    .where(and(eq(passes.status, 'active'), eq(booklets.status, 'distributed')))
    .orderBy(asc(booklets.position), asc(passes.position))
    .limit(20)
    .all();
  const firstBooklet = active[0]?.bookletId;
  const secondBooklet = active.find((p) => p.bookletId !== firstBooklet)?.bookletId;
  const plan: [Actor | undefined, string, string[]][] = [
    [placeActors[0], DEMO_PLACES[0]!.email, active.filter((p) => p.bookletId === firstBooklet).slice(0, 3).map((p) => p.code)],
    [placeActors[1], DEMO_PLACES[1]!.email, active.filter((p) => p.bookletId === secondBooklet).slice(0, 2).map((p) => p.code)],
  ];
  for (const [actor, email, codesToRedeem] of plan) {
    if (!actor) continue;
    codesToRedeem.forEach((code, i) => redeemPass({ db, clock, codes, gracePeriodDays, actor, code, service: demoServiceFor(email, i) }));
  }
}
