/**
 * The order rules, through the use cases themselves (no HTTP): the quote and its 50 % split, the
 * programme's conditions in their fixed order, approval (envelope, invoices, booklets, journal),
 * the funding gate and cancellation. Routing, validation and authorisation stay in test/api/orders.test.ts.
 */
import t from 'tap';
import { eq } from 'drizzle-orm';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';
import { journalEntries } from '../../db/schema/ledger.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { balanceOf, trialBalance } from '../../server/modules/finance/ledger.ts';
import { computeQuote, cofinancingRefusal, type ProgramTerms } from '../../server/modules/order-records/cofinancing.ts';
import { approveOrder, cancelOrder, quoteOrder, recordMandate, submitOrder } from '../../server/modules/orders/orders.service.ts';
import type { OrderInput } from '../../server/modules/orders/orders.schemas.ts';
import { testConfig } from '../helpers/app.ts';
import { actorOf, createOrganisation, createProgram, createUser, seedWorld } from '../helpers/fixtures.ts';
import { baseOrder } from '../helpers/orders.ts';
import { createTestDb, refusalConditionOf, refusalOf } from '../helpers/test-db.ts';

const codes = passCodeFactoryFor(testConfig());

async function world(t: Parameters<typeof createTestDb>[0], programOverrides: Parameters<typeof createProgram>[1] = {}) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const program = createProgram(db, { minOrderCents: 2_000_000, perBuyerCapCents: 150_000_000, ...programOverrides });
  const buyer = actorOf(db, cast.buyerAdmin);
  const operator = actorOf(db, cast.operatorAdmin);
  const submit = (input: OrderInput, feeBasisPoints = 0) => submitOrder({ db, clock, actor: buyer, input, feeBasisPoints });
  const approve = (orderId: string) => approveOrder({ db, clock, actor: operator, orderId, codes });
  return { db, clock, cast, program, buyer, operator, submit, approve };
}

const terms = (overrides: Partial<ProgramTerms> = {}): ProgramTerms => ({
  id: 'p1',
  name: 'Pass numérique 2026',
  rateBasisPoints: 5000,
  eligibleBuyerTypes: ['commune', 'departement'],
  envelopeCents: 10_000_000,
  committedCents: 0,
  minOrderCents: null,
  perBuyerCapCents: null,
  startsOn: '2026-01-01',
  endsOn: '2026-12-31',
  status: 'open',
  ...overrides,
});

t.test('the quote splits at the rate with floor to the State, the rest to the buyer, and adds the fee with 20 % VAT', async (t) => {
  const quantities = { bookletCount: 3, passesPerBooklet: 7, faceValueCents: 333 };
  const half = computeQuote({ quantities, feeBasisPoints: 400, program: { terms: terms(), committedForBuyerCents: 0 } });
  t.match(half, { passCount: 21, totalCents: 6993, stateShareCents: 3496, buyerShareCents: 3497, feeCents: 279, vatCents: 56, cappedBy: null });
  t.equal(half.buyerInvoiceTotalCents, 3497 + 279 + 56);
  const third = computeQuote({ quantities, feeBasisPoints: 0, program: { terms: terms({ rateBasisPoints: 3333 }), committedForBuyerCents: 0 } });
  t.match(third, { stateShareCents: 2330, buyerShareCents: 4663, feeCents: 0, vatCents: 0 });
  const none = computeQuote({ quantities, feeBasisPoints: 0 });
  t.match(none, { stateShareCents: 0, buyerShareCents: 6993, uncappedStateShareCents: 0 });
});

t.test('the State share is capped by what remains of the envelope, then by the buyer cap', async (t) => {
  const quantities = { bookletCount: 100, passesPerBooklet: 10, faceValueCents: 1000 }; // 1 000 000 cents
  const envelope = computeQuote({ quantities, feeBasisPoints: 0, program: { terms: terms({ envelopeCents: 10_000_000, committedCents: 9_800_000 }), committedForBuyerCents: 0 } });
  t.match(envelope, { uncappedStateShareCents: 500_000, stateShareCents: 200_000, buyerShareCents: 800_000, cappedBy: 'envelope' });
  const cap = computeQuote({ quantities, feeBasisPoints: 0, program: { terms: terms({ perBuyerCapCents: 600_000 }), committedForBuyerCents: 450_000 } });
  t.match(cap, { stateShareCents: 150_000, buyerShareCents: 850_000, cappedBy: 'buyer_cap' });
  const exhausted = computeQuote({ quantities, feeBasisPoints: 0, program: { terms: terms({ committedCents: 10_000_000 }), committedForBuyerCents: 0 } });
  t.match(exhausted, { stateShareCents: 0, buyerShareCents: 1_000_000, cappedBy: 'envelope' });
});

t.test('the programme conditions are checked in a fixed order: closed, buyer type, dates, minimum', async (t) => {
  const everythingWrong = terms({ status: 'closed', eligibleBuyerTypes: ['region'], startsOn: '2027-01-01', minOrderCents: 10_000 });
  t.equal(cofinancingRefusal(everythingWrong, 'commune', '2026-11-25', 100)?.condition, 'program_closed');
  t.equal(cofinancingRefusal({ ...everythingWrong, status: 'open' }, 'commune', '2026-11-25', 100)?.condition, 'buyer_type');
  t.equal(cofinancingRefusal(terms({ startsOn: '2027-01-01', minOrderCents: 10_000 }), 'commune', '2026-11-25', 100)?.condition, 'dates');
  t.equal(cofinancingRefusal(terms({ minOrderCents: 10_000 }), 'commune', '2026-11-25', 9_999)?.condition, 'minimum_order');
  t.equal(cofinancingRefusal(terms({ minOrderCents: 10_000 }), 'commune', '2026-11-25', 10_000), null, 'the minimum itself is enough');
  t.equal(cofinancingRefusal(terms(), null, '2026-11-25', 100)?.condition, 'buyer_type', 'an organisation without a buyer type is not eligible');
  t.equal(cofinancingRefusal(terms(), 'commune', '2026-12-31', 100), null, 'the last day of the programme still counts');
  t.match(cofinancingRefusal(terms({ minOrderCents: 2_000_000 }), 'commune', '2026-11-25', 100)?.message, /au moins 20\s000 €/);
});

t.test('a département ordering 200 booklets of 10 passes at 10 € gets half from the State', async (t) => {
  const { submit, program } = await world(t);
  const order = submit({ ...baseOrder, cofinancingProgramId: program.id });
  t.match(order, { status: 'submitted', fundedAt: null, totalCents: 2_000_000, stateShareCents: 1_000_000, buyerShareCents: 1_000_000, reference: /^CMD-2026-\d{6}$/ });
});

t.test('a private buyer, an order under the minimum and one outside the dates are refused with their condition', async (t) => {
  const { db, clock, program, submit } = await world(t);
  const privateOrg = createOrganisation(db, { kind: 'buyer', buyerType: 'private' });
  const privateBuyer = actorOf(db, await createUser(db, privateOrg, { role: 'admin' }));
  t.equal(
    refusalConditionOf(() => submitOrder({ db, clock, actor: privateBuyer, feeBasisPoints: 0, input: { ...baseOrder, cofinancingProgramId: program.id } })),
    'cofinancing_not_eligible:buyer_type',
  );
  t.equal(refusalConditionOf(() => submit({ ...baseOrder, bookletCount: 10, cofinancingProgramId: program.id })), 'cofinancing_not_eligible:minimum_order');
  clock.set('2028-01-02T10:00:00Z');
  t.equal(refusalConditionOf(() => submit({ ...baseOrder, cofinancingProgramId: program.id })), 'cofinancing_not_eligible:dates');
  t.equal(db.select().from(orders).all().length, 0, 'no refused order is written');
});

t.test('the quote under the minimum is the price without co-financing and says why', async (t) => {
  const { db, clock, buyer, program } = await world(t);
  const quote = quoteOrder({ db, clock, actor: buyer, feeBasisPoints: 0, input: { ...baseOrder, bookletCount: 10, cofinancingProgramId: program.id } });
  t.match(quote, { totalCents: 100_000, stateShareCents: 0, buyerShareCents: 100_000, cofinancingProgramId: null, cofinancingNotApplied: { condition: 'minimum_order' } });
});

t.test('the per-buyer cap counts the State share of the buyer’s approved orders', async (t) => {
  const { db, clock, buyer, program, submit, approve } = await world(t, { perBuyerCapCents: 1_500_000 });
  approve(submit({ ...baseOrder, cofinancingProgramId: program.id }).id); // 1 000 000 committed
  const quote = quoteOrder({ db, clock, actor: buyer, feeBasisPoints: 0, input: { ...baseOrder, cofinancingProgramId: program.id } });
  t.match(quote, { stateShareCents: 500_000, buyerShareCents: 1_500_000, cappedBy: 'buyer_cap' });
});

t.test('approval commits the envelope, raises both invoices, issues the booklets and posts one balanced entry', async (t) => {
  const { db, cast, program, submit, approve } = await world(t);
  const order = submit({ ...baseOrder, bookletCount: 4, passesPerBooklet: 5 });
  const cofinanced = submit({ ...baseOrder, cofinancingProgramId: program.id, engagementNumber: 'EJ-2026-7' }, 400);
  t.match(cofinanced, { feeCents: 80_000, vatCents: 16_000 });
  const approved = approve(cofinanced.id);
  t.equal(approved.status, 'approved');
  t.equal(approved.issuanceJobId, null, 'issued in the request when no threshold is given');
  t.equal(db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!.committedCents, 1_000_000);
  const rows = db.select().from(invoices).where(eq(invoices.orderId, cofinanced.id)).all();
  t.match(rows.find((i) => i.party === 'buyer'), { totalCents: 1_096_000, passValueCents: 1_000_000, feeCents: 80_000, vatCents: 16_000, engagementNumber: 'EJ-2026-7', dueOn: '2026-12-25' });
  t.match(rows.find((i) => i.party === 'state'), { totalCents: 1_000_000, passValueCents: 1_000_000, feeCents: 0 });
  t.same(rows.map((i) => i.number).sort(), ['FAC-2026-000001', 'FAC-2026-000002']);
  t.equal(db.select().from(booklets).where(eq(booklets.orderId, cofinanced.id)).all().length, 200);
  const issued = db.select().from(passes).where(eq(passes.orderId, cofinanced.id)).all();
  t.equal(issued.length, 2000);
  t.ok(issued.every((p) => p.status === 'issued' && p.faceValueCents === 1000), 'passes are issued, not yet active');
  t.equal(balanceOf(db, `buyer:${cast.buyer.id}:receivable`), 1_096_000);
  t.equal(balanceOf(db, `program:${program.id}:receivable`), 1_000_000);
  t.equal(balanceOf(db, 'passes:outstanding'), -2_000_000);
  t.equal(balanceOf(db, 'fees:revenue'), -80_000);
  t.equal(balanceOf(db, 'vat:collected'), -16_000);
  t.ok(trialBalance(db).balanced);
  t.equal(refusalOf(() => approve(cofinanced.id)), 'order_not_submitted', 'approving twice is refused');
  t.equal(db.select().from(journalEntries).all().length, 1, 'the refused second approval posts nothing');
  t.equal(refusalOf(() => approve(order.id)), null, 'an order without a programme is approved with no commitment');
  t.equal(db.select().from(invoices).where(eq(invoices.orderId, order.id)).all().length, 1, 'only the buyer invoice');
});

t.test('an approval over what remains of the envelope is refused and leaves nothing behind', async (t) => {
  const { db, program, submit, approve } = await world(t, { envelopeCents: 1_500_000, perBuyerCapCents: null });
  const first = submit({ ...baseOrder, cofinancingProgramId: program.id });
  const second = submit({ ...baseOrder, cofinancingProgramId: program.id });
  approve(first.id);
  t.equal(refusalOf(() => approve(second.id)), 'cofinancing_envelope_exhausted');
  t.equal(db.select().from(orders).where(eq(orders.id, second.id)).get()!.status, 'submitted');
  t.equal(db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!.committedCents, 1_000_000);
  t.equal(db.select().from(booklets).where(eq(booklets.orderId, second.id)).all().length, 0);
});

t.test('a mandate number funds a public buyer’s order and activates nothing until a booklet is handed out', async (t) => {
  const { db, clock, buyer, submit, approve } = await world(t);
  const order = submit({ ...baseOrder, bookletCount: 2, passesPerBooklet: 3 });
  approve(order.id);
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.fundedAt, null, 'unpaid and no mandate: not funded');
  const funded = recordMandate({ db, clock, actor: buyer, orderId: order.id, mandateNumber: 'MDT-1' });
  t.equal(funded.fundedAt, clock.now().toISOString());
  t.equal(db.select().from(passes).where(eq(passes.status, 'active')).all().length, 0);
});

t.test('a private buyer cannot fund by mandate: it pays its invoice', async (t) => {
  const { db, clock, operator } = await world(t);
  const privateOrg = createOrganisation(db, { kind: 'buyer', buyerType: 'private' });
  const privateBuyer = actorOf(db, await createUser(db, privateOrg, { role: 'admin' }));
  const order = submitOrder({ db, clock, actor: privateBuyer, feeBasisPoints: 0, input: { ...baseOrder, bookletCount: 1, passesPerBooklet: 1 } });
  approveOrder({ db, clock, actor: operator, orderId: order.id, codes });
  t.equal(refusalOf(() => recordMandate({ db, clock, actor: privateBuyer, orderId: order.id, mandateNumber: 'MDT-1' })), 'mandate_not_allowed');
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.fundedAt, null);
});

t.test('cancellation before approval only; a cancelled order is never approved', async (t) => {
  const { db, clock, buyer, submit, approve } = await world(t);
  const a = submit(baseOrder);
  t.equal(cancelOrder({ db, clock, actor: buyer, orderId: a.id }).status, 'cancelled');
  t.equal(refusalOf(() => approve(a.id)), 'order_not_submitted');
  t.equal(refusalOf(() => recordMandate({ db, clock, actor: buyer, orderId: a.id, mandateNumber: 'X' })), 'order_cancelled');
  const b = submit(baseOrder);
  approve(b.id);
  t.equal(refusalOf(() => cancelOrder({ db, clock, actor: buyer, orderId: b.id })), 'order_not_cancellable');
  t.equal(db.select().from(orders).where(eq(orders.id, b.id)).get()!.status, 'approved');
  t.throws(() => approve(a.id), { code: 'order_not_submitted', message: 'Cette commande ne peut plus être approuvée (statut actuel : annulée).' }, 'the refusal names the status in French');
  t.throws(() => cancelOrder({ db, clock, actor: buyer, orderId: b.id }), { message: /\(statut actuel : approuvée\)\.$/ });
});

t.test('another buyer’s order is not found for it', async (t) => {
  const { db, clock, cast, submit } = await world(t);
  const order = submit(baseOrder);
  const other = actorOf(db, cast.otherBuyerAdmin);
  t.equal(refusalOf(() => cancelOrder({ db, clock, actor: other, orderId: order.id })), 'order_not_found');
});

t.test('only a buyer orders, and a pass is worth at least the minimum, named in euros', async (t) => {
  const { db, clock, operator, submit } = await world(t);
  t.throws(() => submitOrder({ db, clock, actor: operator, input: baseOrder, feeBasisPoints: 0 }), { status: 403, code: 'forbidden', message: 'Seuls les commanditaires passent commande.' });
  t.throws(() => submit({ ...baseOrder, faceValueCents: 1 }), {
    status: 422,
    code: 'face_value_too_low',
    message: /\(0,01\u00a0€ demandés\)\.$/,
    errors: [{ path: 'faceValueCents' }],
  });
  t.equal(db.select().from(orders).all().length, 0, 'nothing is written');
});
