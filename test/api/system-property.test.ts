/**
 * Issue 7, Tests: random sequences of every operation of the system (orders, approvals, payments,
 * mandates, designations, allotments, returns, distributions, redemptions and their cancellation,
 * blocks, bank-detail changes, batches built, approved, paid, payouts rejected, expiries, time passing),
 * on a small world, with every invariant of finance.md checked after each step. Model-free: the
 * checks are recomputed from the database itself (the reconciliation report plus a few identities it
 * does not state). The domain services are called directly, as the API would, for speed.
 */
import t from 'tap';
import fc from 'fast-check';
import { asc, eq, sql } from 'drizzle-orm';
import { migrateDatabase, openDatabase, type Db } from '../../db/client.ts';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import { payouts, reimbursementBatches } from '../../db/schema/reimbursement.ts';
import type { BlockReason } from '../../db/schema/distribution.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { DomainError } from '../../server/shared/problem.ts';
import { parisDate, parisMonth } from '../../server/shared/paris-time.ts';
import type { Actor } from '../../server/modules/accounts/actor.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { approveOrder, cancelOrder, recordMandate, submitOrder } from '../../server/modules/orders/orders.service.ts';
import { recordPayment } from '../../server/modules/finance/invoices.service.ts';
import {
  allotBooklets,
  blockBooklet,
  designatePrescriber,
  distributeBooklet,
  returnBooklets,
  revokePrescriber,
} from '../../server/modules/distribution/distribution.service.ts';
import { cancelRedemption, redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { approveBatch, batchSepaXml, buildBatch, markBatchPaid, rejectPayout } from '../../server/modules/finance/reimbursement.service.ts';
import { expireOrder } from '../../server/modules/finance/expiry.service.ts';
import { submitBankDetails, validateBankDetails } from '../../server/modules/places/places.service.ts';
import { getTerritories } from '../../server/modules/territories/territories.ts';
import { reconciliationReport } from '../../server/modules/finance/reconciliation.ts';
import { accountBalances } from '../../server/modules/finance/ledger.ts';
import { importStatement } from '../../server/modules/finance/bank-statements.service.ts';
import { camt053, cfonb120, type TestBankEntry } from '../helpers/bank-files.ts';
import { actorOf, createOrganisation, createPlace, createProgram, createUser, seedReference } from '../helpers/fixtures.ts';
import { TEST_NOW, testConfig } from '../helpers/app.ts';

const config = testConfig();
const codes = passCodeFactoryFor(config);
const GRACE = config.gracePeriodDays;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

// --- The parameters a step may draw ----------------------------------------------------------

/** Validity windows around TEST_NOW (2026-11-25): some already open, one not yet, all reachable for expiry. */
const VALIDITIES = [
  { validFrom: '2026-11-01', validUntil: '2026-12-31' },
  { validFrom: '2026-11-01', validUntil: '2027-03-31' },
  { validFrom: '2026-12-15', validUntil: '2027-01-31' },
  { validFrom: '2027-01-01', validUntil: '2027-06-30' },
] as const;
/** Places are in Toulouse (31555) and Blagnac (31069): Gironde (33) and Muret-only orders refuse them. */
const TERRITORIES: ({ departements?: string[]; communes?: string[] } | null)[] = [null, { departements: ['31'] }, { communes: ['31555'] }, { departements: ['33'] }];
const PUBLICS = [null, ['seniors_60_plus'], ['demandeurs_emploi', 'minima_sociaux']] as const;
const CATEGORIES = ['seniors_60_plus', 'demandeurs_emploi', 'minima_sociaux', 'allophones'] as const;
const COMMUNES = ['31555', '31069', '31395', '33063'] as const;
const BLOCK_REASONS: readonly BlockReason[] = ['lost', 'stolen', 'damaged', 'other'];
const IBANS = [
  { holder: 'Compte principal', iban: 'FR7630004000031234567890143', bic: 'AGRIFRPP' },
  { holder: 'Nouveau compte', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
  // Refused at entry: no Latin form for the bank; the operator's own account.
  { holder: '数字图书馆', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
  { holder: 'Compte de l’opérateur', iban: config.operatorAccount.iban, bic: 'AGRIFRPP' },
] as const;

type Step =
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
  | { kind: 'statement'; format: 'camt02' | 'camt08' | 'cfonb'; half: boolean; unknown: boolean; again: boolean }
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
const step: fc.Arbitrary<Step> = fc.oneof(
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
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('statement' as const), format: fc.constantFrom('camt02' as const, 'camt08' as const, 'cfonb' as const), half: fc.boolean(), unknown: fc.boolean(), again: fc.boolean() }),
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
const prelude: fc.Arbitrary<Step[]> = fc
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

async function buildWorld() {
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
  return { db, clock, program, admin, finance, treasury, buyers, prescribers, places, bankRefs: 0 };
}
type World = Awaited<ReturnType<typeof buildWorld>>;

const pick = <T>(list: readonly T[], i: number): T | undefined => (list.length === 0 ? undefined : list[((i % list.length) + list.length) % list.length]);

function previousMonth(month: string, back: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const total = y * 12 + (m - 1) - back;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

function advance(clock: ManualClock, s: Extract<Step, { kind: 'time' }>): void {
  if (s.unit === 'hours') clock.advance(s.amount * HOUR);
  else if (s.unit === 'days') clock.advance(s.amount * DAY);
  else {
    const now = clock.now();
    now.setUTCMonth(now.getUTCMonth() + s.amount);
    clock.set(now);
  }
}

/**
 * Runs one step against the services. Aimed (most steps), it picks its object among those the
 * operation can apply to, so that sequences go deep (funded, distributed, redeemed, batched, paid,
 * rejected, expired); not aimed, among all, so that refusals are exercised too. Business refusals
 * propagate as DomainError for the caller to tolerate; 'noop' when there was nothing to act on.
 */
function run(w: World, s: Step, aimed: boolean): 'done' | 'noop' {
  const { db, clock } = w;
  const among = <T>(all: readonly T[], fits: (x: T) => boolean, i: number): T | undefined => pick(aimed ? all.filter(fits) : all, i);
  const allOrders = () => db.select().from(orders).orderBy(asc(orders.createdAt), asc(orders.id)).all();
  const allBooklets = () => db.select().from(booklets).orderBy(asc(booklets.serial)).all();
  const buyerOf = (buyerId: string): Actor => w.buyers.find((b) => b.organisationId === buyerId)!;
  const designated = (orderId: string) =>
    new Set(db.all<{ id: string }>(sql`SELECT prescriber_id AS id FROM prescriber_designations WHERE order_id = ${orderId} AND revoked_at IS NULL`).map((r) => r.id));
  switch (s.kind) {
    case 'submit': {
      const buyer = w.buyers[s.buyer]!;
      const input = {
        bookletCount: s.bookletCount,
        passesPerBooklet: s.passesPerBooklet,
        faceValueCents: s.faceValueCents,
        ...VALIDITIES[s.validity]!,
        territory: TERRITORIES[s.territory] ?? null,
        publics: PUBLICS[s.publics] === null ? null : [...PUBLICS[s.publics]!],
        cofinancingProgramId: s.withProgram ? w.program.id : undefined,
        mandateNumber: s.mandate ? `MDT-${s.bookletCount}${s.faceValueCents}` : undefined,
      };
      submitOrder({ db, clock, actor: buyer, input, feeBasisPoints: s.feeBasisPoints });
      return 'done';
    }
    case 'approve': {
      const order = among(allOrders(), (o) => o.status === 'submitted', s.order);
      if (!order) return 'noop';
      approveOrder({ db, clock, actor: w.admin, orderId: order.id, codes });
      return 'done';
    }
    case 'cancelOrder': {
      const order = among(allOrders(), (o) => o.status === 'submitted', s.order);
      if (!order) return 'noop';
      cancelOrder({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id });
      return 'done';
    }
    case 'mandate': {
      const order = among(allOrders(), (o) => o.status === 'approved' && o.fundedAt === null && o.buyerId === w.buyers[0]!.organisationId, s.order);
      if (!order) return 'noop';
      recordMandate({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id, mandateNumber: `MDT-${order.reference}` });
      return 'done';
    }
    case 'pay': {
      const invoice = among(db.select().from(invoices).orderBy(asc(invoices.number)).all(), (i) => i.paidCents < i.totalCents, s.invoice);
      if (!invoice) return 'noop';
      const amountCents = Math.max(1, Math.round((invoice.totalCents - invoice.paidCents) * s.fraction));
      recordPayment({ db, clock, actor: w.finance, input: { invoiceId: invoice.id, amountCents, receivedOn: parisDate(clock.now()), reference: `VIR-${invoice.number}` } });
      return 'done';
    }
    case 'designate': {
      const order = among(allOrders(), (o) => o.status === 'approved', s.order);
      if (!order) return 'noop';
      designatePrescriber({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id, prescriberId: w.prescribers[s.prescriber]!.organisationId });
      return 'done';
    }
    case 'revoke': {
      const order = among(allOrders(), (o) => designated(o.id).size > 0, s.order);
      if (!order) return 'noop';
      const live = [...designated(order.id)];
      const prescriberId = aimed ? pick(live, s.prescriber)! : w.prescribers[s.prescriber]!.organisationId;
      revokePrescriber({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id, prescriberId });
      return 'done';
    }
    case 'allot': {
      const inStock = new Set(allBooklets().filter((b) => b.status === 'in_stock').map((b) => b.orderId));
      const order = among(allOrders(), (o) => inStock.has(o.id) && designated(o.id).size > 0, s.order);
      if (!order) return 'noop';
      const prescriberId = aimed ? pick([...designated(order.id)], s.prescriber)! : w.prescribers[s.prescriber]!.organisationId;
      const stock = allBooklets().filter((b) => b.orderId === order.id && b.status === 'in_stock').length;
      allotBooklets({ db, clock, actor: buyerOf(order.buyerId), input: { orderId: order.id, prescriberId, bookletCount: aimed ? Math.min(s.count, Math.max(1, stock)) : s.count } });
      return 'done';
    }
    case 'return': {
      const booklet = among(allBooklets(), (b) => b.status === 'allotted', s.order);
      const order = booklet ? allOrders().find((o) => o.id === booklet.orderId) : pick(allOrders(), s.order);
      if (!order) return 'noop';
      const prescriber = (booklet && w.prescribers.find((p) => p.organisationId === booklet.holderId)) || w.prescribers[s.prescriber]!;
      const actor = s.byPrescriber ? prescriber : buyerOf(order.buyerId);
      returnBooklets({ db, clock, actor, input: { orderId: order.id, prescriberId: prescriber.organisationId, bookletCount: s.count } });
      return 'done';
    }
    case 'distribute': {
      const booklet = among(allBooklets(), (b) => b.status === 'allotted', s.booklet);
      if (!booklet) return 'noop';
      // The holder when it is a prescriber, else any prescriber (refused: not in its stock).
      const actor = w.prescribers.find((p) => p.organisationId === booklet.holderId) ?? w.prescribers[s.booklet % 2]!;
      // Aimed, a beneficiary the order admits (when there is one among ours); else anyone.
      const order = allOrders().find((o) => o.id === booklet.orderId)!;
      const publicCategory = aimed && order.publics ? pick(order.publics, s.category)! : CATEGORIES[s.category]!;
      const communes = COMMUNES.filter((c) => getTerritories().isCommuneInTerritory(c, order.territory ?? null));
      const communeCode = aimed && communes.length > 0 ? pick(communes, s.commune)! : COMMUNES[s.commune]!;
      distributeBooklet({ db, clock, actor, input: { bookletSerial: booklet.serial, publicCategory, communeCode } });
      return 'done';
    }
    case 'redeem': {
      const all = db
        .select({ code: passes.code, status: passes.status, territory: orders.territory })
        .from(passes)
        .innerJoin(orders, eq(orders.id, passes.orderId))
        .orderBy(asc(passes.id))
        .all();
      // Aimed, an active pass at a place its territory admits.
      const admitting = (territory: (typeof all)[number]['territory']) => w.places.filter((p) => getTerritories().isCommuneInTerritory(p.communeCode, territory ?? null));
      const pass = among(all, (p) => p.status === 'active' && admitting(p.territory).length > 0, s.pass);
      if (!pass) return 'noop';
      const place = aimed ? pick(admitting(pass.territory), s.place)! : w.places[s.place]!;
      redeemPass({ db, clock, codes, gracePeriodDays: GRACE, actor: place.agent, code: pass.code, siteId: s.namedSite ? place.siteId : undefined });
      return 'done';
    }
    case 'cancelRedemption': {
      const all = db.select().from(redemptions).orderBy(asc(redemptions.redeemedAt), asc(redemptions.id)).all();
      const windowStart = new Date(clock.now().getTime() - DAY).toISOString();
      const redemption = among(all, (r) => r.status === 'live' && r.batchedAt === null && r.redeemedAt >= windowStart, s.redemption);
      if (!redemption) return 'noop';
      const place = w.places.find((p) => (p.id === redemption.placeId) !== (s.byOtherPlace && !aimed))!;
      cancelRedemption({ db, clock, actor: place.agent, redemptionId: redemption.id });
      return 'done';
    }
    case 'block': {
      const booklet = among(allBooklets(), (b) => ['in_stock', 'allotted', 'distributed', 'started'].includes(b.status), s.booklet);
      if (!booklet) return 'noop';
      const holder = w.prescribers.find((p) => p.organisationId === booklet.holderId);
      const actor = s.byHolder && holder ? holder : buyerOf(booklet.buyerId);
      blockBooklet({ db, clock, actor, serial: booklet.serial, reason: BLOCK_REASONS[s.reason]! });
      return 'done';
    }
    case 'bankChange': {
      const place = w.places[s.place]!;
      submitBankDetails({ db, clock, actor: place.admin, placeId: place.id, input: { ...IBANS[s.iban]! }, operatorIban: config.operatorAccount.iban });
      return 'done';
    }
    case 'bankValidate': {
      const pending = new Set(db.all<{ id: string }>(sql`SELECT place_id AS id FROM place_bank_accounts WHERE status = 'pending'`).map((r) => r.id));
      const place = among(w.places, (p) => pending.has(p.id), s.place);
      if (!place) return 'noop';
      validateBankDetails({ db, clock, actor: w.finance, placeId: place.id });
      return 'done';
    }
    case 'buildBatch':
      buildBatch({ db, clock, actor: w.finance, period: previousMonth(parisMonth(clock.now()), s.monthsBack) });
      return 'done';
    case 'approveBatch': {
      const batch = among(db.select().from(reimbursementBatches).orderBy(asc(reimbursementBatches.period)).all(), (b) => b.status === 'draft' && b.payoutCount > 0, s.batch);
      if (!batch) return 'noop';
      approveBatch({ db, clock, actor: w.treasury, batchId: batch.id });
      return 'done';
    }
    case 'payBatch': {
      const batch = among(db.select().from(reimbursementBatches).orderBy(asc(reimbursementBatches.period)).all(), (b) => b.status === 'approved' && b.payoutCount > 0, s.batch);
      if (!batch) return 'noop';
      markBatchPaid({ db, clock, actor: w.finance, batchId: batch.id, paidOn: parisDate(clock.now()) });
      return 'done';
    }
    case 'statement': {
      // The bank's view of today: transfers citing unpaid invoices, debits of approved payouts, now and then a stranger's credit.
      const today = parisDate(clock.now());
      const owed = db.select().from(invoices).all().filter((i) => i.paidCents < i.totalCents).slice(0, 3);
      const waiting = db.select().from(payouts).where(eq(payouts.status, 'approved')).all().slice(0, 2);
      const ref = () => `S${String(++w.bankRefs).padStart(6, '0')}`;
      const entries: TestBankEntry[] = [
        ...owed.map((i) => ({ ref: ref(), date: today, direction: 'credit' as const, amountCents: s.half ? Math.max(1, Math.floor((i.totalCents - i.paidCents) / 2)) : i.totalCents - i.paidCents, remittance: `VIR ${i.number}` })),
        ...waiting.map((p) => ({ ref: ref(), date: today, direction: 'debit' as const, amountCents: p.amountCents, endToEndId: p.reference })),
        ...(s.unknown ? [{ ref: ref(), date: today, direction: 'credit' as const, amountCents: 777, remittance: 'VIREMENT INCONNU' }] : []),
      ];
      if (entries.length === 0) return 'noop';
      const statement = { iban: config.operatorAccount.iban, from: today, to: today, openingCents: 1_000_000, entries };
      const content = s.format === 'cfonb' ? cfonb120(statement) : camt053(s.format === 'camt02' ? '02' : '08', statement);
      const contentType = s.format === 'cfonb' ? ('text' as const) : ('xml' as const);
      importStatement({ db, clock, actor: w.finance, config, content, contentType });
      if (s.again) {
        const before = count(db, sql`SELECT COUNT(*) AS n FROM journal_entries`);
        const again = importStatement({ db, clock, actor: w.finance, config, content, contentType });
        if (again.created || count(db, sql`SELECT COUNT(*) AS n FROM journal_entries`) !== before) throw new Error('the same statement imported twice recorded something');
      }
      return 'done';
    }
    case 'rejectPayout': {
      const payout = among(db.select().from(payouts).orderBy(asc(payouts.reference)).all(), (p) => p.status === 'approved' || p.status === 'paid', s.payout);
      if (!payout) return 'noop';
      rejectPayout({ db, clock, actor: w.finance, payoutId: payout.id, reason: 'Compte clos' });
      return 'done';
    }
    case 'expire': {
      const order = among(allOrders(), (o) => o.status === 'approved' || o.status === 'closed', s.order);
      if (!order) return 'noop';
      expireOrder({ db, clock, actor: w.admin, orderId: order.id, gracePeriodDays: GRACE });
      return 'done';
    }
    case 'time':
      advance(clock, s);
      return 'done';
  }
}

// --- The invariants ------------------------------------------------------------------------------

const count = (db: Db, query: ReturnType<typeof sql>): number => Number(db.get<{ n: number | null }>(query)?.n ?? 0);

/**
 * Every invariant of finance.md that a single process can break, recomputed from the rows: the
 * reconciliation report (1–4, 6, 8, 10 and the envelopes), plus what it does not state itself.
 * Returns a description of each violation; empty when all hold.
 */
function violations(w: World): string[] {
  const { db } = w;
  const out: string[] = [];
  const report = reconciliationReport(db);
  if (!report.balanced) {
    // The bank-against-statements check is a reconciliation status, not an invariant here: the
    // sequences also record payments by hand and leave strangers' credits in the queue.
    for (const c of report.checks.filter((c) => !c.balanced && c.id !== 'bank_statement')) out.push(`reconciliation ${c.id} (${c.label}): expected ${c.expected}, actual ${c.actual}`);
  }
  const rules: [string, ReturnType<typeof sql>][] = [
    // Statements: an entry read as a payment is that payment, same amount, at the booking date; each payout or return it names exists.
    ['a matched bank credit differs from its payment', sql`SELECT COUNT(*) AS n FROM bank_entries e WHERE e.matched_kind = 'payment'
      AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = e.matched_id AND p.amount_cents = e.amount_cents AND p.received_on = e.booking_date)`],
    ['a bank debit is matched to a payout that is not paid', sql`SELECT COUNT(*) AS n FROM bank_entries e WHERE e.matched_kind = 'payout'
      AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.id = e.matched_id AND p.amount_cents = e.amount_cents AND p.status IN ('paid', 'rejected'))`],
    ['an unread bank entry has a match', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE status = 'unmatched' AND matched_id IS NOT NULL`],
    // 5. Single use: never two live redemptions of one pass.
    ['a pass has two live redemptions', sql`SELECT COUNT(*) AS n FROM (SELECT pass_id FROM redemptions WHERE status = 'live' GROUP BY pass_id HAVING COUNT(*) > 1)`],
    // 5. Envelope: what orders hold ≤ envelope, and equal to the State shares of the approved orders
    // less what the State's credit notes released (issue #14: remaining = envelope − committed + released).
    ['a programme is committed over its envelope', sql`SELECT COUNT(*) AS n FROM cofinancing_programs WHERE committed_cents > envelope_cents`],
    [
      'a programme commitment differs from the State shares of its approved orders less the releases',
      sql`SELECT COUNT(*) AS n FROM cofinancing_programs c WHERE c.committed_cents != (
            SELECT COALESCE(SUM(o.state_share_cents), 0) FROM orders o WHERE o.program_id = c.id AND o.status IN ('approved', 'closed'))
            - (SELECT COALESCE(SUM(r.amount_cents), 0) FROM program_releases r WHERE r.program_id = c.id)
            OR c.released_cents != (SELECT COALESCE(SUM(r.amount_cents), 0) FROM program_releases r WHERE r.program_id = c.id)`,
    ],
    [
      'a State credit note that did not release exactly its amount to the envelope',
      sql`SELECT COUNT(*) AS n FROM credit_notes c WHERE c.party = 'state'
            AND (SELECT COUNT(*) FROM program_releases r WHERE r.credit_note_id = c.id AND r.amount_cents = c.total_cents AND r.program_id = c.program_id) != 1`,
    ],
    [
      'a buyer is committed over the per-buyer cap',
      sql`SELECT COUNT(*) AS n FROM (SELECT o.program_id, o.buyer_id, SUM(o.state_share_cents) AS committed, MAX(c.per_buyer_cap_cents) AS cap
            FROM orders o JOIN cofinancing_programs c ON c.id = o.program_id
            WHERE o.status IN ('approved', 'closed') AND c.per_buyer_cap_cents IS NOT NULL GROUP BY o.program_id, o.buyer_id) g
          WHERE g.committed - (SELECT COALESCE(SUM(r.amount_cents), 0) FROM program_releases r WHERE r.program_id = g.program_id AND r.buyer_id = g.buyer_id) > g.cap`,
    ],
    // A pass is used exactly when it has a live redemption.
    [
      'a redeemed or reimbursed pass without exactly one live redemption',
      sql`SELECT COUNT(*) AS n FROM passes p WHERE p.status IN ('redeemed', 'reimbursed')
            AND (SELECT COUNT(*) FROM redemptions r WHERE r.pass_id = p.id AND r.status = 'live') != 1`,
    ],
    [
      'a live redemption of a pass that is not used',
      sql`SELECT COUNT(*) AS n FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE r.status = 'live' AND p.status NOT IN ('redeemed', 'reimbursed')`,
    ],
    // 6. The reimbursement chain.
    [
      'a batched live redemption without exactly one reimbursement line',
      sql`SELECT COUNT(*) AS n FROM redemptions r WHERE r.status = 'live' AND r.batched_at IS NOT NULL
            AND (SELECT COUNT(*) FROM reimbursement_lines l WHERE l.redemption_id = r.id) != 1`,
    ],
    [
      'a reimbursement line for a redemption never batched',
      sql`SELECT COUNT(*) AS n FROM reimbursement_lines l JOIN redemptions r ON r.id = l.redemption_id WHERE r.batched_at IS NULL`,
    ],
    [
      'a reimbursement line in two non-rejected payouts',
      sql`SELECT COUNT(*) AS n FROM (SELECT pl.line_id FROM payout_lines pl JOIN payouts p ON p.id = pl.payout_id
            WHERE p.status != 'rejected' GROUP BY pl.line_id HAVING COUNT(*) > 1)`,
    ],
    [
      'an active payout line in a rejected payout',
      sql`SELECT COUNT(*) AS n FROM payout_lines pl JOIN payouts p ON p.id = pl.payout_id WHERE pl.active = 1 AND p.status = 'rejected'`,
    ],
    [
      'a payout line count differs from its lines',
      sql`SELECT COUNT(*) AS n FROM payouts p WHERE p.status != 'rejected'
            AND p.line_count != (SELECT COUNT(*) FROM payout_lines pl WHERE pl.payout_id = p.id AND pl.active = 1)`,
    ],
    [
      'a batch count differs from its payouts',
      sql`SELECT COUNT(*) AS n FROM reimbursement_batches b WHERE b.payout_count != (SELECT COUNT(*) FROM payouts p WHERE p.batch_id = b.id AND p.status != 'rejected')
            OR b.line_count != (SELECT COALESCE(SUM(p.line_count), 0) FROM payouts p WHERE p.batch_id = b.id AND p.status != 'rejected')`,
    ],
    [
      'a payout status out of step with its batch',
      sql`SELECT COUNT(*) AS n FROM payouts p JOIN reimbursement_batches b ON b.id = p.batch_id WHERE p.status != 'rejected'
            AND p.status != CASE b.status WHEN 'draft' THEN 'pending' ELSE b.status END`,
    ],
    [
      'a reimbursed pass whose redemption is not in a paid payout',
      sql`SELECT COUNT(*) AS n FROM passes ps JOIN redemptions r ON r.pass_id = ps.id AND r.status = 'live'
            WHERE ps.status = 'reimbursed' AND NOT EXISTS (SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
              JOIN payouts p ON p.id = pl.payout_id WHERE l.redemption_id = r.id AND p.status = 'paid')`,
    ],
    [
      'a redeemed pass whose redemption is in a paid payout',
      sql`SELECT COUNT(*) AS n FROM passes ps JOIN redemptions r ON r.pass_id = ps.id AND r.status = 'live'
            WHERE ps.status = 'redeemed' AND EXISTS (SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
              JOIN payouts p ON p.id = pl.payout_id WHERE l.redemption_id = r.id AND p.status = 'paid')`,
    ],
    // 8. Credit notes: each expired pass in exactly one, split in proportion to the order (remainder to the buyer).
    [
      'an expired pass not in exactly one credit note',
      sql`SELECT COUNT(*) AS n FROM passes p WHERE p.status = 'expired' AND (SELECT COUNT(*) FROM credit_note_passes cp WHERE cp.pass_id = p.id) != 1`,
    ],
    ['a credit note names a pass that is not expired', sql`SELECT COUNT(*) AS n FROM credit_note_passes cp JOIN passes p ON p.id = cp.pass_id WHERE p.status != 'expired'`],
    // One expiry raises one note per invoiced party in one transaction (same order, same instant);
    // its passes are linked to the first. Together the notes of an expiry equal those passes.
    [
      'the credit notes of an expiry differ from its passes',
      sql`SELECT COUNT(*) AS n FROM (SELECT c.order_id, c.created_at, SUM(c.total_cents) AS total,
            (SELECT COALESCE(SUM(p.face_value_cents), 0) FROM credit_note_passes cp JOIN passes p ON p.id = cp.pass_id
              JOIN credit_notes c2 ON c2.id = cp.credit_note_id WHERE c2.order_id = c.order_id AND c2.created_at = c.created_at) AS passes
            FROM credit_notes c GROUP BY c.order_id, c.created_at) WHERE total != passes`,
    ],
    [
      'the credit notes of an expiry not split in proportion to its order',
      sql`SELECT COUNT(*) AS n FROM (SELECT c.order_id, SUM(c.total_cents) AS total, SUM(c.state_share_cents) AS state
            FROM credit_notes c GROUP BY c.order_id, c.created_at) g JOIN orders o ON o.id = g.order_id
          WHERE g.state != (g.total * o.state_share_cents) / o.total_cents`,
    ],
    [
      'a credit note with a share of the party it is not addressed to',
      sql`SELECT COUNT(*) AS n FROM credit_notes WHERE (party = 'buyer' AND (state_share_cents != 0 OR buyer_share_cents != total_cents))
            OR (party = 'state' AND (buyer_share_cents != 0 OR state_share_cents != total_cents))`,
    ],
    // Domain rule 3: a pass is usable only once its booklet is handed out and its order funded. One
    // exception, by design: a redemption cancelled after its order expired gives back an active pass
    // in the expired booklet, which the next expiry run (closed orders included) credits.
    [
      'an active pass of a booklet not handed out, or of an unfunded order',
      sql`SELECT COUNT(*) AS n FROM passes p JOIN booklets b ON b.id = p.booklet_id JOIN orders o ON o.id = p.order_id
            WHERE p.status = 'active' AND (o.funded_at IS NULL OR b.status NOT IN ('distributed', 'started', 'used_up'))
              AND NOT (o.status = 'closed' AND b.status = 'expired' AND EXISTS (SELECT 1 FROM redemptions r WHERE r.pass_id = p.id AND r.status = 'cancelled'))`,
    ],
    // Passes exist for approved (or closed) orders only, as many as ordered.
    [
      'an order whose passes differ from what was ordered',
      sql`SELECT COUNT(*) AS n FROM orders o WHERE (SELECT COUNT(*) FROM passes p WHERE p.order_id = o.id)
            != CASE WHEN o.status IN ('approved', 'closed') THEN o.booklet_count * o.passes_per_booklet ELSE 0 END`,
    ],
  ];
  for (const [label, query] of rules) {
    const n = count(db, query);
    if (n > 0) out.push(`${label} (${n})`);
  }
  out.push(...accountsAgainstRows(db));
  // 6. The SEPA file of each released batch: NbOfTxs and CtrlSum equal the batch in the database.
  for (const batch of db.select().from(reimbursementBatches).all()) {
    if (batch.status === 'draft' || batch.payoutCount === 0) continue;
    const { xml } = batchSepaXml(db, config, batch.id);
    const nb = Number(/<NbOfTxs>(\d+)<\/NbOfTxs>/.exec(xml)?.[1]);
    const sum = /<CtrlSum>([\d.]+)<\/CtrlSum>/.exec(xml)?.[1];
    if (nb !== batch.payoutCount || sum !== (batch.totalCents / 100).toFixed(2)) {
      out.push(`SEPA file of ${batch.period}: NbOfTxs ${nb}, CtrlSum ${sum}; batch ${batch.payoutCount} payouts, ${batch.totalCents} cents`);
    }
  }
  return out;
}

/**
 * Every journal account, one by one, equals what the rows say it should hold (debit minus credit):
 * the aggregate checks of the report cannot see money moved from one place, buyer or programme to another.
 */
function accountsAgainstRows(db: Db): string[] {
  const expected = new Map<string, number>();
  const add = (code: string, cents: number | null) => expected.set(code, (expected.get(code) ?? 0) + Number(cents ?? 0));
  const rows = (query: ReturnType<typeof sql>) => db.all<{ id: string | null; v: number | null }>(query);
  add('bank', count(db, sql`SELECT SUM(amount_cents) AS n FROM payments`));
  add('bank', -count(db, sql`SELECT SUM(amount_cents) AS n FROM payouts WHERE status = 'paid'`));
  add('bank:in_transit', -count(db, sql`SELECT SUM(amount_cents) AS n FROM payouts WHERE status = 'approved'`));
  for (const r of rows(sql`SELECT buyer_id AS id, SUM(total_cents - paid_cents) AS v FROM invoices WHERE party = 'buyer' GROUP BY buyer_id`)) add(`buyer:${r.id}:receivable`, r.v);
  for (const r of rows(sql`SELECT program_id AS id, SUM(total_cents - paid_cents) AS v FROM invoices WHERE party = 'state' GROUP BY program_id`)) add(`program:${r.id}:receivable`, r.v);
  add('passes:outstanding', -count(db, sql`SELECT SUM(face_value_cents) AS n FROM passes WHERE status IN ('issued', 'active', 'blocked')`));
  // 4. What each place is owed: its live redemptions not in an exported (approved or paid) payout.
  for (const r of rows(sql`SELECT r.place_id AS id, SUM(r.amount_cents) AS v FROM redemptions r WHERE r.status = 'live' AND NOT EXISTS (
      SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1 JOIN payouts p ON p.id = pl.payout_id
      WHERE l.redemption_id = r.id AND p.status IN ('approved', 'paid')) GROUP BY r.place_id`)) {
    add(`place:${r.id}:payable`, -Number(r.v));
  }
  for (const r of rows(sql`SELECT buyer_id AS id, SUM(buyer_share_cents) AS v FROM credit_notes GROUP BY buyer_id`)) add(`buyer:${r.id}:credit_note`, -Number(r.v));
  for (const r of rows(sql`SELECT program_id AS id, SUM(state_share_cents) AS v FROM credit_notes WHERE state_share_cents > 0 GROUP BY program_id`)) add(`program:${r.id}:credit_note`, -Number(r.v));
  add('fees:revenue', -count(db, sql`SELECT SUM(fee_cents) AS n FROM orders WHERE status IN ('approved', 'closed')`));
  add('vat:collected', -count(db, sql`SELECT SUM(vat_cents) AS n FROM orders WHERE status IN ('approved', 'closed')`));
  const actual = new Map(accountBalances(db).map((a) => [a.code, a.balanceCents]));
  const out: string[] = [];
  for (const code of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(code) ?? 0;
    const got = actual.get(code) ?? 0;
    if (want !== got) out.push(`account ${code}: rows say ${want}, journal says ${got}`);
  }
  return out;
}

/** States a run should reach for the property to mean something: counted over the runs, shown in the output. */
const REACHED: [string, ReturnType<typeof sql>][] = [
  ['redemption', sql`SELECT COUNT(*) AS n FROM redemptions WHERE status = 'live'`],
  ['cancelled redemption', sql`SELECT COUNT(*) AS n FROM redemptions WHERE status = 'cancelled'`],
  ['batch', sql`SELECT COUNT(*) AS n FROM payouts`],
  ['paid batch', sql`SELECT COUNT(*) AS n FROM reimbursement_batches WHERE status = 'paid' AND total_cents > 0`],
  ['rejected payout', sql`SELECT COUNT(*) AS n FROM payouts WHERE status = 'rejected'`],
  ['re-batched line', sql`SELECT COUNT(*) AS n FROM (SELECT line_id FROM payout_lines GROUP BY line_id HAVING COUNT(*) > 1)`],
  ['blocked pass', sql`SELECT COUNT(*) AS n FROM passes WHERE status = 'blocked'`],
  ['credit note', sql`SELECT COUNT(*) AS n FROM credit_notes`],
  ['payment read from a statement', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE matched_kind = 'payment'`],
  ['payout paid from a statement', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE matched_kind = 'payout'`],
  ['capped commitment', sql`SELECT COUNT(*) AS n FROM orders WHERE program_id IS NOT NULL AND state_share_cents * 2 < total_cents AND status != 'cancelled'`],
];

t.test('random sequences of every operation keep every invariant of finance.md after each step', async (t) => {
  const stats = new Map<string, { done: number; refused: number; noop: number }>();
  const reached = new Map<string, number>();
  const refusals = new Map<string, number>();
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(prelude, fc.array(fc.tuple(step, fc.boolean(), fc.boolean()), { minLength: 20, maxLength: 40, size: 'max' }), async (start, free) => {
      const w = await buildWorld();
      // Prelude steps are aimed; free steps three times out of four.
      const steps = [...start.map((s) => [s, true] as const), ...free.map(([s, a, b]) => [s, a || b] as const)];
      try {
        for (const [i, [s, aimed]] of steps.entries()) {
          const tally = stats.get(s.kind) ?? { done: 0, refused: 0, noop: 0 };
          stats.set(s.kind, tally);
          try {
            tally[run(w, s, aimed)]++;
          } catch (error) {
            // Business refusals are fine; a crash, a constraint failure or a 5xx is a bug.
            if (!(error instanceof DomainError) || error.status >= 500) throw error;
            tally.refused++;
            refusals.set(`${s.kind}:${error.code}`, (refusals.get(`${s.kind}:${error.code}`) ?? 0) + 1);
          }
          const broken = violations(w);
          if (broken.length > 0) {
            throw new Error(`after step ${i} ${JSON.stringify(s)} at ${w.clock.now().toISOString()}:\n  ${broken.join('\n  ')}`);
          }
        }
        for (const [label, query] of REACHED) if (count(w.db, query) > 0) reached.set(label, (reached.get(label) ?? 0) + 1);
      } finally {
        w.db.$client.close();
      }
    }),
    { numRuns: Number(process.env.SYSTEM_PROPERTY_RUNS ?? 50) },
  );
  t.comment(`${((Date.now() - started) / 1000).toFixed(1)} s; steps done/refused/noop: ${[...stats].map(([k, v]) => `${k} ${v.done}/${v.refused}/${v.noop}`).join(', ')}`);
  if (process.env.SYSTEM_PROPERTY_VERBOSE) t.comment(`refusals: ${[...refusals].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.comment(`runs reaching: ${[...reached].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.pass('every invariant held after every step of every generated sequence');
});
