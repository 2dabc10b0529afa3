import fc from 'fast-check';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import type { BlockReason } from '../../db/schema/distribution.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { actorOf, createOrganisation, createPlace, createProgram, createUser, seedReference } from './fixtures.ts';
import { TEST_NOW, testConfig } from './app.ts';
import { newBankModel } from './system-bank.ts';


/** The world and the steps of the system property test (test/api/system-property.test.ts). */
export const config = testConfig();
export const codes = passCodeFactoryFor(config);
export const GRACE = config.gracePeriodDays;
export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

// --- The parameters a step may draw ----------------------------------------------------------

/** Validity windows around TEST_NOW (2026-11-25): some already open, one not yet, all reachable for expiry. */
export const VALIDITIES = [
  { validFrom: '2026-11-01', validUntil: '2026-12-31' },
  { validFrom: '2026-11-01', validUntil: '2027-03-31' },
  { validFrom: '2026-12-15', validUntil: '2027-01-31' },
  { validFrom: '2027-01-01', validUntil: '2027-06-30' },
] as const;
/** Places are in Toulouse (31555) and Blagnac (31069): Gironde (33) and Muret-only orders refuse them. */
export const TERRITORIES: ({ departements?: string[]; communes?: string[] } | null)[] = [null, { departements: ['31'] }, { communes: ['31555'] }, { departements: ['33'] }];
export const PUBLICS = [null, ['seniors_60_plus'], ['demandeurs_emploi', 'minima_sociaux']] as const;
export const CATEGORIES = ['seniors_60_plus', 'demandeurs_emploi', 'minima_sociaux', 'allophones'] as const;
export const COMMUNES = ['31555', '31069', '31395', '33063'] as const;
export const BLOCK_REASONS: readonly BlockReason[] = ['lost', 'stolen', 'damaged', 'other'];
export const IBANS = [
  { holder: 'Compte principal', iban: 'FR7630004000031234567890143', bic: 'AGRIFRPP' },
  { holder: 'Nouveau compte', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
  // Refused at entry: no Latin form for the bank; the operator's own account.
  { holder: '数字图书馆', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
  { holder: 'Compte de l’opérateur', iban: config.operatorAccount.iban, bic: 'AGRIFRPP' },
] as const;

export type Step =
  | { kind: 'submit'; buyer: number; bookletCount: number; passesPerBooklet: number; faceValueCents: number; validity: number; territory: number; publics: number; withProgram: boolean; feeBasisPoints: number; mandate: boolean }
  | { kind: 'approve'; order: number }
  | { kind: 'cancelOrder'; order: number }
  | { kind: 'mandate'; order: number }
  | { kind: 'pay'; invoice: number; fraction: number }
  | { kind: 'designate'; order: number; prescriber: number }
  | { kind: 'revoke'; order: number; prescriber: number }
  | { kind: 'allot'; order: number; prescriber: number; count: number }
  | { kind: 'return'; order: number; prescriber: number; count: number; byPrescriber: boolean }
  | { kind: 'distribute'; booklet: number; category: number; commune: number }
  | { kind: 'redeem'; pass: number; place: number; namedSite: boolean }
  | { kind: 'cancelRedemption'; redemption: number; byOtherPlace: boolean }
  | { kind: 'block'; booklet: number; byHolder: boolean; reason: number }
  | { kind: 'bankChange'; place: number; iban: number }
  | { kind: 'bankValidate'; place: number }
  | { kind: 'buildBatch'; monthsBack: number }
  | { kind: 'approveBatch'; batch: number }
  | { kind: 'payBatch'; batch: number }
  | { kind: 'rejectPayout'; payout: number }
  | { kind: 'expire'; order: number }
  | { kind: 'statement'; format: 'camt02' | 'camt08' | 'cfonb'; half: boolean; unknown: boolean; again: boolean; overlap: boolean; returned: boolean }
  | { kind: 'dismiss'; entry: number }
  | { kind: 'time'; unit: 'hours' | 'days' | 'months'; amount: number };

const idx = fc.nat(30);
const submitStep = fc.record({
  kind: fc.constant('submit' as const),
  buyer: fc.nat(1),
  bookletCount: fc.integer({ min: 1, max: 4 }),
  passesPerBooklet: fc.integer({ min: 1, max: 4 }),
  faceValueCents: fc.integer({ min: 1000, max: 10_000 }),
  validity: fc.constantFrom(0, 0, 0, 1, 1, 2, 3),
  territory: fc.nat(TERRITORIES.length - 1),
  publics: fc.nat(PUBLICS.length - 1),
  withProgram: fc.boolean(),
  feeBasisPoints: fc.constantFrom(0, 0, 250, 999),
  mandate: fc.boolean(),
});
const redeemStep = fc.record({ kind: fc.constant('redeem' as const), pass: fc.nat(200), place: fc.nat(1), namedSite: fc.boolean() });
const distributeStep = fc.record({ kind: fc.constant('distribute' as const), booklet: idx, category: fc.nat(CATEGORIES.length - 1), commune: fc.nat(COMMUNES.length - 1) });
export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: submitStep },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('approve' as const), order: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelOrder' as const), order: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('mandate' as const), order: idx }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pay' as const), invoice: idx, fraction: fc.constantFrom(0.3, 0.5, 1, 1, 1.5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('designate' as const), order: idx, prescriber: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), order: idx, prescriber: fc.nat(1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('allot' as const), order: idx, prescriber: fc.nat(1), count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('return' as const), order: idx, prescriber: fc.nat(1), count: fc.integer({ min: 1, max: 2 }), byPrescriber: fc.boolean() }) },
  { weight: 5, arbitrary: distributeStep },
  { weight: 10, arbitrary: redeemStep },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancelRedemption' as const), redemption: idx, byOtherPlace: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('block' as const), booklet: idx, byHolder: fc.boolean(), reason: fc.nat(BLOCK_REASONS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bankChange' as const), place: fc.nat(1), iban: fc.nat(IBANS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bankValidate' as const), place: fc.nat(1) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('buildBatch' as const), monthsBack: fc.constantFrom(1, 1, 1, 2, 3) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('approveBatch' as const), batch: idx }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('payBatch' as const), batch: idx }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('rejectPayout' as const), payout: idx }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('expire' as const), order: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dismiss' as const), entry: idx }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('statement' as const), format: fc.constantFrom('camt02' as const, 'camt08' as const, 'cfonb' as const), half: fc.boolean(), unknown: fc.boolean(), again: fc.boolean(), overlap: fc.boolean(), returned: fc.boolean() }),
  },
  {
    weight: 9,
    arbitrary: fc.oneof(
      fc.record({ kind: fc.constant('time' as const), unit: fc.constant('hours' as const), amount: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('time' as const), unit: fc.constant('days' as const), amount: fc.integer({ min: 1, max: 20 }) }),
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('time' as const), unit: fc.constant('months' as const), amount: fc.constantFrom(1, 1, 2, 3, 4) }) },
    ),
  },
);

/**
 * Each run starts with a prelude: 1–3 orders taken along the usual path in order (submitted,
 * approved, funded, a prescriber designated, booklets allotted, some distributed, some passes
 * redeemed), then, maybe, the month's end (time passes into the next month, the batch is built,
 * approved, paid and/or a payout rejected), each stage cut short at random. The free steps after it
 * then reach cancellations, re-batching, bank returns and expiries within a few dozen steps.
 * The prelude is made of the same steps, with random parameters, and is checked after each step
 * like the rest; index -1 means "the newest candidate", i.e. the order just submitted.
 */
export const prelude: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.array(
      fc.record({
        submit: submitStep,
        fund: fc.constantFrom('mandate', 'pay', 'pay', 'pay', 'none'),
        prescriber: fc.nat(1),
        allot: fc.integer({ min: 1, max: 4 }),
        distribute: fc.array(distributeStep, { minLength: 1, maxLength: 4 }),
        redeem: fc.array(redeemStep, { minLength: 1, maxLength: 5 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    fc.option(fc.record({ days: fc.integer({ min: 1, max: 40 }), stages: fc.integer({ min: 1, max: 4 }), outcome: fc.constantFrom('pay', 'pay', 'reject', 'pay-then-reject') }), {
      freq: 3,
    }),
  )
  .map(([orders, monthEnd]) => [
    ...orders.flatMap((o): Step[] => [
      o.submit,
      { kind: 'approve', order: -1 },
      ...(o.fund === 'mandate' ? [{ kind: 'mandate' as const, order: -1 }] : []),
      ...(o.fund === 'pay' ? [1, 2].map(() => ({ kind: 'pay' as const, invoice: -1, fraction: 1 })) : []),
      { kind: 'designate', order: -1, prescriber: o.prescriber },
      { kind: 'allot', order: -1, prescriber: o.prescriber, count: o.allot },
      ...o.distribute.map((d) => ({ ...d, booklet: -1 })),
      ...o.redeem,
    ]),
    ...(monthEnd
      ? ([
          { kind: 'time', unit: 'days', amount: monthEnd.days },
          { kind: 'buildBatch', monthsBack: 1 },
          { kind: 'approveBatch', batch: -1 },
          ...(monthEnd.outcome === 'reject' ? [] : [{ kind: 'payBatch' as const, batch: -1 }]),
          ...(monthEnd.outcome === 'pay' ? [] : [{ kind: 'rejectPayout' as const, payout: -1 }]),
        ] satisfies Step[]).slice(0, monthEnd.stages + 1)
      : []),
  ]);

// --- The world -----------------------------------------------------------------------------------

export async function buildWorld() {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const clock = new ManualClock(TEST_NOW);
  seedReference(db, clock);
  // A small envelope and a per-buyer cap, so that commitments hit both.
  const program = createProgram(db, { envelopeCents: 60_000, perBuyerCapCents: 40_000 });
  const operator = createOrganisation(db, { kind: 'operator' });
  const admin = actorOf(db, await createUser(db, operator, { role: 'admin' }));
  const finance = actorOf(db, await createUser(db, operator, { role: 'finance' }));
  // Four eyes: batches built by `finance` are approved by `treasury`.
  const treasury = actorOf(db, await createUser(db, operator, { role: 'finance' }));
  const buyerOrgs = [
    createOrganisation(db, { kind: 'buyer', buyerType: 'departement', communeCode: '31555' }),
    createOrganisation(db, { kind: 'buyer', buyerType: 'private', communeCode: '31555' }),
  ];
  const buyers = await Promise.all(buyerOrgs.map(async (org) => actorOf(db, await createUser(db, org, { role: 'admin' }))));
  const prescriberOrgs = [createOrganisation(db, { kind: 'prescriber', communeCode: '31555' }), createOrganisation(db, { kind: 'prescriber', communeCode: '31069' })];
  const prescribers = await Promise.all(prescriberOrgs.map(async (org) => actorOf(db, await createUser(db, org, { role: 'agent' }))));
  const sites = [
    { name: 'Espace numérique de Toulouse', communeCode: '31555' },
    { name: 'Médiathèque de Blagnac', communeCode: '31069' },
  ];
  const places = await Promise.all(
    sites.map(async ({ name, communeCode }) => {
      const p = await createPlace(db, { name, sites: [{ communeCode }] });
      return { agent: actorOf(db, p.agent), admin: actorOf(db, p.admin), siteId: p.siteIds[0]!, id: p.organisation.id, communeCode };
    }),
  );
  return { db, clock, config, program, admin, finance, treasury, buyers, prescribers, places, bank: newBankModel() };
}
export type World = Awaited<ReturnType<typeof buildWorld>>;

export const pick = <T>(list: readonly T[], i: number): T | undefined => (list.length === 0 ? undefined : list[((i % list.length) + list.length) % list.length]);

export function previousMonth(month: string, back: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const total = y * 12 + (m - 1) - back;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

export function advance(clock: ManualClock, s: Extract<Step, { kind: 'time' }>): void {
  if (s.unit === 'hours') clock.advance(s.amount * HOUR);
  else if (s.unit === 'days') clock.advance(s.amount * DAY);
  else {
    const now = clock.now();
    now.setUTCMonth(now.getUTCMonth() + s.amount);
    clock.set(now);
  }
}

