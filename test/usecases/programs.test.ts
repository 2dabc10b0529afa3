/**
 * The co-financing programme rules, through the use cases themselves (no HTTP): the envelope
 * committed at approval and never over it, the per-buyer cap, a closed programme, edits that never
 * take the envelope under what is committed, and the buyer types a programme admits. Routing,
 * validation of bodies and authorisation stay in test/api/programs.test.ts.
 */
import t from 'tap';
import { eq } from 'drizzle-orm';
import type { BuyerType } from '../../db/schema/accounts.ts';
import { cofinancingPrograms, programCommitments, programReleases } from '../../db/schema/programs.ts';
import { quoteOrder } from '../../server/modules/orders/orders.service.ts';
import type { OrderInput } from '../../server/modules/orders/orders.schemas.ts';
import { closeProgram, commitEnvelope, committedForBuyer, releaseEnvelope, updateProgram } from '../../server/modules/programs/programs.service.ts';
import { createPublicCategory, listPublicCategories, updatePublicCategory } from '../../server/modules/programs/public-categories.service.ts';
import { DomainError } from '../../server/shared/problem.ts';
import { actorOf, createOrganisation, createProgram, createUser, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';

const AT = '2026-11-25T10:00:00.000Z';

async function world(t: Parameters<typeof createTestDb>[0], overrides: Parameters<typeof createProgram>[1] = {}) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const program = createProgram(db, { envelopeCents: 1_000_000, ...overrides });
  let n = 0;
  const commit = (amountCents: number, buyerId = cast.buyer.id, orderId = `order-${++n}`) =>
    commitEnvelope(db, { programId: program.id, orderId, buyerId, amountCents, at: AT });
  const committed = () => db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!.committedCents;
  return { db, clock, cast, program, commit, committed, operator: actorOf(db, cast.operatorAdmin) };
}

/** The error a use case throws, for tests that read its extra fields. */
function errorOf(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

t.test('commitments add up to the envelope exactly, and not one cent more', async (t) => {
  const { db, program, commit, committed } = await world(t);
  commit(600_000);
  commit(400_000);
  t.equal(committed(), 1_000_000, 'the whole envelope, to the cent');
  const refused = errorOf(() => commit(1));
  t.equal(refused.code, 'cofinancing_envelope_exhausted');
  t.same(refused.extra, { remainingCents: 0, requestedCents: 1 });
  t.match(refused.message, /il reste 0,00\s€, 0,01\s€ demandés/);
  t.equal(committed(), 1_000_000);
  t.equal(db.select().from(programCommitments).where(eq(programCommitments.programId, program.id)).all().length, 2);
});

t.test('an order is committed once', async (t) => {
  const { commit, committed, cast } = await world(t);
  commit(100_000, cast.buyer.id, 'order-a');
  t.equal(refusalOf(() => commit(100_000, cast.buyer.id, 'order-a')), 'cofinancing_already_committed');
  t.equal(committed(), 100_000);
});

t.test('the per-buyer cap counts each buyer’s commitments on its own', async (t) => {
  const { db, program, cast, commit, committed } = await world(t, { perBuyerCapCents: 300_000 });
  commit(200_000);
  const refused = errorOf(() => commit(100_001));
  t.equal(refused.code, 'cofinancing_buyer_cap_reached');
  t.same(refused.extra, { perBuyerCapCents: 300_000, committedForBuyerCents: 200_000, requestedCents: 100_001 });
  commit(100_000);
  t.equal(committedForBuyer(db, program.id, cast.buyer.id), 300_000);
  commit(300_000, cast.otherBuyer.id);
  t.equal(committedForBuyer(db, program.id, cast.otherBuyer.id), 300_000, 'another buyer has its own cap');
  t.equal(committed(), 600_000);
});

t.test('a refused commitment inside a caller’s transaction leaves nothing behind, even if the caller carries on', async (t) => {
  const { db, program, cast, committed } = await world(t, { perBuyerCapCents: 100_000 });
  db.transaction(
    (tx) => {
      commitEnvelope(tx, { programId: program.id, orderId: 'o1', buyerId: cast.buyer.id, amountCents: 100_000, at: AT });
      t.equal(refusalOf(() => commitEnvelope(tx, { programId: program.id, orderId: 'o2', buyerId: cast.buyer.id, amountCents: 1, at: AT })), 'cofinancing_buyer_cap_reached');
    },
    { behavior: 'immediate' },
  );
  t.equal(committed(), 100_000);
  t.same(db.select({ orderId: programCommitments.orderId }).from(programCommitments).all(), [{ orderId: 'o1' }]);
});

t.test('a commitment is a positive integer of cents', async (t) => {
  const { commit } = await world(t);
  t.throws(() => commit(0), RangeError);
  t.throws(() => commit(12.5), RangeError);
});

t.test('a closed programme takes no new commitment, keeps the old ones, and is closed once', async (t) => {
  const { db, clock, program, operator, commit, committed } = await world(t);
  commit(250_000);
  t.equal(closeProgram({ db, clock, actor: operator, id: program.id }).status, 'closed');
  t.equal(refusalOf(() => commit(1)), 'cofinancing_program_closed');
  t.equal(committed(), 250_000, 'what was committed stands');
  t.equal(refusalOf(() => closeProgram({ db, clock, actor: operator, id: program.id })), 'cofinancing_program_already_closed');
});

t.test('a programme without a payer commits nothing', async (t) => {
  const { commit, committed } = await world(t, { payer: null });
  t.equal(refusalOf(() => commit(1000)), 'program_payer_missing');
  t.equal(committed(), 0);
});

t.test('the envelope can be edited but never below what is already committed', async (t) => {
  const { db, clock, program, operator, commit } = await world(t);
  commit(400_000);
  const refused = errorOf(() => updateProgram({ db, clock, actor: operator, id: program.id, input: { envelopeCents: 399_999 } }));
  t.equal(refused.code, 'envelope_below_committed');
  t.same(refused.extra, { committedCents: 400_000 });
  t.equal(updateProgram({ db, clock, actor: operator, id: program.id, input: { envelopeCents: 400_000 } }).envelopeCents, 400_000, 'down to the committed amount exactly');
  t.equal(refusalOf(() => commit(1)), 'cofinancing_envelope_exhausted');
});

t.test('an edit is checked against the stored values', async (t) => {
  const { db, clock, program, operator } = await world(t, { perBuyerCapCents: 500_000 });
  const dates = errorOf(() => updateProgram({ db, clock, actor: operator, id: program.id, input: { endsOn: '2025-12-31' } }));
  t.equal(dates.code, 'validation_failed');
  t.match(dates.errors, [{ path: 'endsOn' }], 'an end before the stored start');
  const cap = errorOf(() => updateProgram({ db, clock, actor: operator, id: program.id, input: { envelopeCents: 400_000 } }));
  t.match(cap.errors, [{ path: 'perBuyerCapCents' }], 'an envelope under the stored per-buyer cap');
  t.equal(db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!.envelopeCents, 1_000_000, 'nothing changed');
});

t.test('a programme admits only its buyer types: the quote says so and prices without it', async (t) => {
  const { db, clock } = await world(t);
  const regional = createProgram(db, { eligibleBuyerTypes: ['region'] });
  const input: OrderInput = { bookletCount: 10, passesPerBooklet: 10, faceValueCents: 1000, validFrom: '2027-01-01', validUntil: '2027-12-31', publics: null, territory: null };
  const quoteFor = async (buyerType: BuyerType, programId: string) => {
    const org = createOrganisation(db, { kind: 'buyer', buyerType, communeCode: '31555' });
    const actor = actorOf(db, await createUser(db, org, { role: 'admin' }));
    return quoteOrder({ db, clock, actor, feeBasisPoints: 0, input: { ...input, cofinancingProgramId: programId } });
  };
  const national = db.select().from(cofinancingPrograms).all().find((p) => p.id !== regional.id)!;
  for (const type of ['commune', 'epci', 'departement', 'region'] as const) {
    t.match(await quoteFor(type, national.id), { stateShareCents: 50_000, cofinancingNotApplied: null }, `${type} is eligible to the national programme`);
  }
  t.match(await quoteFor('private', national.id), { stateShareCents: 0, buyerShareCents: 100_000, cofinancingProgramId: null, cofinancingNotApplied: { condition: 'buyer_type' } });
  t.match(await quoteFor('departement', regional.id), { stateShareCents: 0, cofinancingNotApplied: { condition: 'buyer_type', message: /n’est pas éligible au programme/ } });
  t.match(await quoteFor('region', regional.id), { stateShareCents: 50_000, cofinancingNotApplied: null });
});

t.test('an expiry gives back at most what the order committed, to the programme it committed on', async (t) => {
  // The releases that succeed need a State credit note: test/usecases/expiry.test.ts issues them.
  const { db, cast, program, commit, committed } = await world(t);
  commit(10_000, cast.buyer.id, 'order-a');
  const release = (amountCents: number, orderId = 'order-a', programId = program.id) =>
    releaseEnvelope(db, { programId, orderId, buyerId: cast.buyer.id, creditNoteId: 'cn-1', amountCents, at: AT });
  t.equal(refusalOf(() => release(1, 'order-b')), 'cofinancing_not_committed', 'an order that committed nothing releases nothing');
  const other = createProgram(db);
  t.equal(refusalOf(() => release(1, 'order-a', other.id)), 'cofinancing_not_committed', 'nor on another programme than its own');
  const over = errorOf(() => release(10_001));
  t.match(over, { status: 422, code: 'cofinancing_release_exceeds_commitment', extra: { commitmentCents: 10_000, releasedCents: 0, requestedCents: 10_001 } });
  t.match(over.message, /La restitution de 100,01\u00a0€ dépasserait l’engagement de la commande \(100,00\u00a0€, dont 0,00\u00a0€ déjà restitués\)/, 'the message names the amounts');
  t.throws(() => release(0), RangeError, 'a release is a positive integer of cents');
  t.equal(committed(), 10_000, 'a refused release moves nothing');
  t.same(db.select().from(programReleases).all(), []);
});

t.test('public categories: a new one goes last, a code is used once, an unknown code is named', async (t) => {
  const { db, clock, operator } = await world(t);
  const last = Math.max(...listPublicCategories(db, { includeInactive: true }).map((c) => c.sortOrder));
  const created = createPublicCategory({ db, clock, actor: operator, input: { code: 'aidants_familiaux', label: 'Aidants familiaux', priority: false } });
  t.equal(created.sortOrder, last + 10, 'ten after the last, room to slot others between');
  t.equal(listPublicCategories(db).at(-1)!.code, 'aidants_familiaux');
  const twice = errorOf(() => createPublicCategory({ db, clock, actor: operator, input: { code: 'aidants_familiaux', label: 'Autre', priority: true } }));
  t.match(twice, { status: 409, code: 'public_category_exists', message: 'Le code « aidants_familiaux » est déjà utilisé par un autre public.' });
  t.equal(listPublicCategories(db).filter((c) => c.code === 'aidants_familiaux').length, 1);
  t.match(updatePublicCategory({ db, clock, actor: operator, code: 'aidants_familiaux', input: { active: false } }), { active: false });
  t.notOk(listPublicCategories(db).some((c) => c.code === 'aidants_familiaux'), 'an inactive category is no longer offered');
  const unknown = errorOf(() => updatePublicCategory({ db, clock, actor: operator, code: 'inconnu', input: { label: 'X' } }));
  t.match(unknown, { status: 404, code: 'public_category_not_found', message: 'Aucun public n’a le code « inconnu ».' });
});
