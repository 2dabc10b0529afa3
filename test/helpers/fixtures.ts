import { organisations, users, type BuyerType, type OrganisationKind, type UserRole } from '../../db/schema/accounts.ts';
import type { Db } from '../../db/client.ts';
import { hashPassword } from '../../server/modules/accounts/passwords.ts';
import { newId } from '../../server/shared/secrets.ts';
import { TEST_NOW } from './app.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';
import { seedReferenceData } from '../../db/seed/reference.ts';
import { ManualClock, type Clock } from '../../server/shared/clock.ts';

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

/** A co-financing programme shaped like the national one (50 %, collectivités, 2026–2027), open, nothing committed. */
export function createProgram(db: Db, overrides: Partial<TestProgram> = {}): TestProgram {
  const program: TestProgram = {
    id: newId(),
    name: `Programme ${unique()}`,
    rateBasisPoints: 5000,
    eligibleBuyerTypes: ['commune', 'epci', 'departement', 'region'],
    envelopeCents: 1_500_000_000,
    committedCents: 0,
    minOrderCents: null,
    perBuyerCapCents: null,
    startsOn: '2026-01-01',
    endsOn: '2027-12-31',
    status: 'open',
    createdAt: TEST_NOW,
    ...overrides,
  };
  db.insert(cofinancingPrograms).values(program).run();
  return program;
}
