import { organisations, users, type BuyerType, type OrganisationKind, type UserRole } from '../../db/schema/accounts.ts';
import type { Db } from '../../db/client.ts';
import { hashPassword } from '../../server/modules/accounts/passwords.ts';
import { newId } from '../../server/shared/secrets.ts';
import { TEST_NOW, testConfig } from './app.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';
import { seedReferenceData } from '../../db/seed/reference.ts';
import { ManualClock, type Clock } from '../../server/shared/clock.ts';
import { eq } from 'drizzle-orm';
import { orders } from '../../db/schema/orders.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { approveOrder, recordMandate, submitOrder, type OrderRow } from '../../server/modules/orders/orders.service.ts';
import type { OrderInput } from '../../server/modules/orders/orders.schemas.ts';

export const TEST_PASSWORD = 'mot de passe de test solide';

let passwordHash: Promise<string> | undefined;
/** argon2id is slow on purpose: hash the shared test password once per test process. */
const testPasswordHash = () => (passwordHash ??= hashPassword(TEST_PASSWORD));

export interface TestOrganisation {
  id: string;
  kind: OrganisationKind;
  name: string;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: UserRole;
  organisationId: string;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export function createOrganisation(
  db: Db,
  input: { kind: OrganisationKind; name?: string; buyerType?: BuyerType; siret?: string; communeCode?: string },
): TestOrganisation {
  const org = {
    id: newId(),
    kind: input.kind,
    name: input.name ?? `${input.kind} ${unique()}`,
    siret: input.siret ?? null,
    buyerType: input.buyerType ?? (input.kind === 'buyer' ? ('departement' as const) : null),
    communeCode: input.communeCode ?? null,
    address: null,
    status: 'active',
    createdAt: TEST_NOW,
  };
  db.insert(organisations).values(org).run();
  return { id: org.id, kind: org.kind, name: org.name };
}

export async function createUser(
  db: Db,
  organisation: TestOrganisation,
  input: { role?: UserRole; email?: string; name?: string; disabled?: boolean } = {},
): Promise<TestUser> {
  const role = input.role ?? 'admin';
  const email = input.email ?? `${role}-${unique()}@${organisation.kind}.test`;
  const id = newId();
  db.insert(users)
    .values({
      id,
      organisationId: organisation.id,
      email,
      name: input.name ?? `Utilisateur ${role}`,
      role,
      passwordHash: await testPasswordHash(),
      disabled: input.disabled ?? false,
      createdAt: TEST_NOW,
    })
    .run();
  return { id, email, password: TEST_PASSWORD, role, organisationId: organisation.id };
}

/** The usual cast: one organisation of each kind, each with an admin; the operator also has a finance user. */
export async function seedWorld(db: Db) {
  const operator = createOrganisation(db, { kind: 'operator', name: 'Opérateur' });
  const buyer = createOrganisation(db, { kind: 'buyer', name: 'Département de test', buyerType: 'departement', communeCode: '31555' });
  const otherBuyer = createOrganisation(db, { kind: 'buyer', name: 'Autre commanditaire', buyerType: 'commune', communeCode: '33063' });
  const prescriber = createOrganisation(db, { kind: 'prescriber', name: 'Mission locale de test', communeCode: '31555' });
  const place = createOrganisation(db, { kind: 'place', name: 'EPN de test', communeCode: '31395' });
  return {
    operator,
    buyer,
    otherBuyer,
    prescriber,
    place,
    operatorAdmin: await createUser(db, operator, { role: 'admin' }),
    operatorFinance: await createUser(db, operator, { role: 'finance' }),
    buyerAdmin: await createUser(db, buyer, { role: 'admin' }),
    buyerAgent: await createUser(db, buyer, { role: 'agent' }),
    otherBuyerAdmin: await createUser(db, otherBuyer, { role: 'admin' }),
    prescriberAdmin: await createUser(db, prescriber, { role: 'admin' }),
    placeAdmin: await createUser(db, place, { role: 'admin' }),
  };
}

/** The public categories of domain rule 4, as every started instance has them. */
export function seedReference(db: Db, clock: Clock = new ManualClock(TEST_NOW)): void {
  db.transaction((tx) => seedReferenceData(tx, clock));
}

export type TestProgram = typeof cofinancingPrograms.$inferSelect;

/** The State's paying service, as a programme must name it before its orders are approved. */
export const TEST_PROGRAM_PAYER = {
  name: 'Agence nationale de la cohésion des territoires',
  siret: '13002603200016',
  address: { line: '20 avenue de Ségur', postalCode: '75007', city: 'Paris' },
  serviceCode: 'SN-PASS',
  engagementNumber: '2100012345',
};

/** A co-financing programme shaped like the national one (50 %, collectivités, 2026–2027), open, nothing committed. */
export function createProgram(db: Db, overrides: Partial<TestProgram> = {}): TestProgram {
  const program: TestProgram = {
    id: newId(),
    name: `Programme ${unique()}`,
    rateBasisPoints: 5000,
    eligibleBuyerTypes: ['commune', 'epci', 'departement', 'region'],
    envelopeCents: 1_500_000_000,
    committedCents: 0,
    releasedCents: 0,
    minOrderCents: null,
    perBuyerCapCents: null,
    startsOn: '2026-01-01',
    endsOn: '2027-12-31',
    status: 'open',
    createdAt: TEST_NOW,
    payer: TEST_PROGRAM_PAYER,
    ...overrides,
  };
  db.insert(cofinancingPrograms).values(program).run();
  return program;
}

/** The Actor a service receives for a test user, as a session would build it. */
export function actorOf(db: Db, user: Pick<TestUser, 'id'>): Actor {
  const row = db.select().from(users).where(eq(users.id, user.id)).get()!;
  const org = db.select().from(organisations).where(eq(organisations.id, row.organisationId)).get()!;
  return {
    userId: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    organisationId: org.id,
    organisationKind: org.kind,
    organisationName: org.name,
    via: 'token',
  };
}

/** What a test order is unless it says otherwise: 20 booklets of 5 passes at 10 €, no public or territory restriction. */
const TEST_ORDER: OrderInput = { bookletCount: 20, passesPerBooklet: 5, faceValueCents: 1000, validFrom: '2026-11-01', validUntil: '2027-10-31', publics: null, territory: null };

/** An order `buyer` submits through the use case (no fee), left to approve: TEST_ORDER with what `input` changes. */
export function submitTestOrder(db: Db, clock: Clock, buyer: Pick<TestUser, 'id'>, input: Partial<OrderInput> = {}): OrderRow {
  return submitOrder({ db, clock, actor: actorOf(db, buyer), feeBasisPoints: 0, input: { ...TEST_ORDER, ...input } });
}

/**
 * An approved order, booklets and passes issued, through the same use cases as the API. Funded
 * (by a mandate number, the buyer being public) only when asked: the funding gate is what some tests are about.
 */
export function createApprovedOrder(
  db: Db,
  clock: Clock,
  input: {
    buyer: TestUser;
    operator: TestUser;
    bookletCount?: number;
    passesPerBooklet?: number;
    validFrom?: string;
    validUntil?: string;
    publics?: string[] | null;
    territory?: { departements?: string[]; epcis?: string[]; communes?: string[] } | null;
    funded?: boolean;
    allowedServices?: string[] | null;
    cofinancingProgramId?: string;
  },
): OrderRow {
  const buyer = actorOf(db, input.buyer);
  const order = submitTestOrder(db, clock, input.buyer, {
    bookletCount: input.bookletCount ?? 20,
    passesPerBooklet: input.passesPerBooklet ?? 5,
    validFrom: input.validFrom ?? TEST_ORDER.validFrom,
    validUntil: input.validUntil ?? TEST_ORDER.validUntil,
    publics: input.publics === undefined ? null : input.publics,
    territory: input.territory === undefined ? null : input.territory,
    ...(input.allowedServices ? { allowedServices: input.allowedServices as OrderInput['allowedServices'] } : {}),
    ...(input.cofinancingProgramId ? { cofinancingProgramId: input.cofinancingProgramId } : {}),
  });
  approveOrder({ db, clock, actor: actorOf(db, input.operator), orderId: order.id, codes: passCodeFactoryFor(testConfig()) });
  if (input.funded) recordMandate({ db, clock, actor: buyer, orderId: order.id, mandateNumber: `MDT-${unique()}` });
  return db.select().from(orders).where(eq(orders.id, order.id)).get()!;
}

/**
 * A place organisation as the operator leaves it after review: its place record (labelled unless
 * told otherwise), active sites, validated bank details, an admin and an agent.
 */
export async function createPlace(
  db: Db,
  input: {
    name?: string;
    siret?: string;
    status?: 'applied' | 'labelled' | 'suspended' | 'rejected';
    sites?: { name?: string; communeCode: string }[];
  } = {},
) {
  const { places, placeSites, placeBankAccounts } = await import('../../db/schema/places.ts');
  const organisation = createOrganisation(db, { kind: 'place', name: input.name, siret: input.siret, communeCode: input.sites?.[0]?.communeCode ?? '31395' });
  db.insert(places)
    .values({
      organisationId: organisation.id,
      status: input.status ?? 'labelled',
      source: 'application',
      contactEmail: 'contact@lieu.test',
      legalRepresentative: 'Représentante légale',
      labelledAt: input.status === 'applied' ? null : TEST_NOW,
      createdAt: TEST_NOW,
      updatedAt: TEST_NOW,
    })
    .run();
  const siteIds = (input.sites ?? [{ communeCode: '31395' }]).map((site, i) => {
    const id = newId();
    db.insert(placeSites)
      .values({
        id,
        placeId: organisation.id,
        name: site.name ?? `Site ${i + 1} de ${organisation.name}`,
        address: `${i + 1} rue du Test`,
        communeCode: site.communeCode,
        services: ['Maîtrise des outils numériques du quotidien'],
        free: false,
        createdAt: TEST_NOW,
        updatedAt: TEST_NOW,
      })
      .run();
    return id;
  });
  db.insert(placeBankAccounts)
    .values({ id: newId(), placeId: organisation.id, holder: organisation.name, iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP', status: 'validated', submittedAt: TEST_NOW })
    .run();
  return {
    organisation,
    siteIds,
    admin: await createUser(db, organisation, { role: 'admin' }),
    agent: await createUser(db, organisation, { role: 'agent' }),
  };
}

/**
 * Hands a booklet to a beneficiary without going through the distribution use case (those tests
 * live with distribution): booklet `distributed`, its passes `active` when the order is funded.
 * Returns the booklet's pass codes in order.
 */
export async function handOutBooklet(db: Db, bookletId: string): Promise<string[]> {
  const { booklets, passes } = await import('../../db/schema/booklets.ts');
  const booklet = db.select().from(booklets).where(eq(booklets.id, bookletId)).get()!;
  const order = db.select().from(orders).where(eq(orders.id, booklet.orderId)).get()!;
  db.update(booklets).set({ status: 'distributed' }).where(eq(booklets.id, bookletId)).run();
  if (order.fundedAt) db.update(passes).set({ status: 'active', activatedAt: TEST_NOW }).where(eq(passes.bookletId, bookletId)).run();
  return db
    .select({ code: passes.code })
    .from(passes)
    .where(eq(passes.bookletId, bookletId))
    .orderBy(passes.position)
    .all()
    .map((p) => p.code);
}

/** The booklets of an order in printing order. */
export async function bookletsOf(db: Db, orderId: string) {
  const { booklets } = await import('../../db/schema/booklets.ts');
  return db.select().from(booklets).where(eq(booklets.orderId, orderId)).orderBy(booklets.position).all();
}
