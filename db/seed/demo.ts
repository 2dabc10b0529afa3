import { count } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { organisations, users, type BuyerType, type OrganisationKind, type UserRole } from '../schema/accounts.ts';
import { ManualClock, type Clock } from '../../server/shared/clock.ts';
import { demoInstant, seedDemoEarlierOrder, seedDemoFinance } from './demo-finance.ts';
import { hashPassword } from '../../server/modules/accounts/passwords.ts';
import { newId } from '../../server/shared/secrets.ts';
import { recordAudit } from '../../server/modules/audit/audit.repository.ts';
import { seedDemoProgram, seedReferenceData } from './reference.ts';
import { seedDemoOrders } from './demo-orders.ts';
import { seedDemoDistribution } from './demo-distribution.ts';
import { seedDemoPlaces } from './demo-places.ts';
import type { PassCodeFactory } from '../../server/modules/booklets/pass-code.ts';
import { OPERATOR_FEE_SETTING, setSetting } from '../../server/shared/settings.repository.ts';

/**
 * The demo set loaded by `npm start` on an empty database. Later capabilities extend it:
 * each adds its demo objects in a function called from seedDemoData, after the accounts.
 */
export const DEMO_PASSWORD = 'demo-pass-numerique';

interface DemoOrganisation {
  key: string;
  kind: OrganisationKind;
  name: string;
  siret?: string;
  buyerType?: BuyerType;
  communeCode?: string;
  address?: string;
  users: { email: string; name: string; role: UserRole }[];
}

// Haute-Garonne (31): the buyer, its prescribers and places are in communes of that département.
export const DEMO_ORGANISATIONS: DemoOrganisation[] = [
  {
    key: 'operator',
    kind: 'operator',
    name: 'Opérateur national du Pass numérique',
    siret: '13002603200016',
    address: '20 avenue de Ségur, 75007 Paris',
    users: [
      { email: 'admin@operateur.demo', name: 'Alice Opératrice', role: 'admin' },
      { email: 'finances@operateur.demo', name: 'Fabien Finances', role: 'finance' },
      { email: 'tresorerie@operateur.demo', name: 'Thérèse Trésorerie', role: 'finance' },
    ],
  },
  {
    key: 'buyer',
    kind: 'buyer',
    name: 'Département de la Haute-Garonne',
    siret: '22310001700019',
    buyerType: 'departement',
    communeCode: '31555',
    address: '1 boulevard de la Marquette, 31090 Toulouse',
    users: [{ email: 'commandes@departement31.demo', name: 'Bruno Commanditaire', role: 'admin' }],
  },
  {
    key: 'prescriber-ml',
    kind: 'prescriber',
    name: 'Mission locale de Toulouse',
    communeCode: '31555',
    users: [{ email: 'conseillere@missionlocale-toulouse.demo', name: 'Chloé Conseillère', role: 'admin' }],
  },
  {
    key: 'prescriber-ccas',
    kind: 'prescriber',
    name: 'CCAS de Colomiers',
    communeCode: '31149',
    users: [{ email: 'accueil@ccas-colomiers.demo', name: 'Claude Accueil', role: 'admin' }],
  },
  {
    key: 'place-epn',
    kind: 'place',
    name: 'Espace public numérique de Muret',
    communeCode: '31395',
    users: [{ email: 'mediateur@epn-muret.demo', name: 'Léa Médiatrice', role: 'admin' }],
  },
  {
    key: 'place-mediatheque',
    kind: 'place',
    name: 'Médiathèque de Blagnac',
    communeCode: '31069',
    users: [{ email: 'accueil@mediatheque-blagnac.demo', name: 'Paul Bibliothécaire', role: 'admin' }],
  },
  {
    key: 'place-fablab',
    kind: 'place',
    name: 'Fablab de Saint-Gaudens',
    communeCode: '31483',
    users: [{ email: 'contact@fablab-saint-gaudens.demo', name: 'Inès Fabmanageuse', role: 'admin' }],
  },
];

export interface DemoLogin {
  organisation: string;
  email: string;
  role: UserRole;
  kind: OrganisationKind;
}

export function isDatabaseEmpty(db: Db): boolean {
  return db.select({ n: count() }).from(organisations).get()!.n === 0;
}

/** Loads the demo set; returns the logins to print. Idempotent: does nothing on a non-empty database. */
export async function seedDemoData(db: Db, clock: Clock, codes: PassCodeFactory, gracePeriodDays = 31): Promise<DemoLogin[]> {
  if (!isDatabaseEmpty(db)) return [];
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const now = clock.now().toISOString();
  const logins: DemoLogin[] = [];
  db.transaction((tx) => {
    for (const org of DEMO_ORGANISATIONS) {
      const organisationId = newId();
      tx.insert(organisations)
        .values({
          id: organisationId,
          kind: org.kind,
          name: org.name,
          siret: org.siret ?? null,
          buyerType: org.buyerType ?? null,
          communeCode: org.communeCode ?? null,
          address: org.address ?? null,
          status: 'active',
          createdAt: now,
        })
        .run();
      for (const user of org.users) {
        tx.insert(users).values({ id: newId(), organisationId, ...user, passwordHash, createdAt: now }).run();
        logins.push({ organisation: org.name, email: user.email, role: user.role, kind: org.kind });
      }
    }
    seedReferenceData(tx, clock);
    seedDemoProgram(tx, clock);
    // The demo operator charges 4 % excl. VAT on the pass value, as the former national operator did.
    setSetting(tx, OPERATOR_FEE_SETTING, '400', now);
    recordAudit(tx, clock, null, 'demo_data.loaded', { type: 'database' });
  });
  // The history is replayed at past dates, so every page has real figures: the current order was
  // placed two months ago, its first passes used then and reimbursed since (see demo-finance.ts).
  const today = clock.now();
  // Oldest first, so that invoice numbers follow their dates.
  const earlierOrderId = seedDemoEarlierOrder(db, today, codes);
  const past = new ManualClock(demoInstant(today, 2, 5));
  seedDemoOrders(db, past, codes);
  past.set(demoInstant(today, 2, 8));
  seedDemoDistribution(db, past);
  past.set(demoInstant(today, 2, 15));
  seedDemoPlaces(db, past, codes, gracePeriodDays);
  seedDemoFinance(db, today, codes, gracePeriodDays, earlierOrderId);
  return logins;
}
