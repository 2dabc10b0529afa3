/**
 * The oversight rules, through the use cases themselves (no HTTP): the end-of-validity calendar of
 * an order and its steps taken with the clock (J-15 blocking, J-7 acknowledgement, the closing
 * statement signed by both after the grace period); the State call's own rules at order time and what
 * it owes on use; and the service restrictions a redemption is held to. Routing, pages and the PDF
 * stay in test/api/end-of-validity.test.ts, state-report.test.ts and redemption-services.test.ts.
 */
import t from 'tap';
import { eq } from 'drizzle-orm';
import { passes } from '../../db/schema/booklets.ts';
import { placeSites } from '../../db/schema/places.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import type { EndOfValidityStep } from '../../db/schema/oversight.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { expireOrder } from '../../server/modules/finance/expiry.service.ts';
import { submitOrder } from '../../server/modules/orders/orders.service.ts';
import { endOfValidityCalendar } from '../../server/modules/oversight/end-of-validity.rules.ts';
import { endOfValidity, takeStep } from '../../server/modules/oversight/end-of-validity.service.ts';
import { coversCommuneGrouping, owedOnUse, stateRuleRefusal } from '../../server/modules/oversight/program-rules.ts';
import { upsertStateTerms } from '../../server/modules/oversight/state.repository.ts';
import { checkPass, redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { testConfig } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, createPlace, createProgram, handOutBooklet, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalConditionOf, refusalOf } from '../helpers/test-db.ts';

const GRACE = 31;
const codes = passCodeFactoryFor(testConfig());

t.test('the end-of-validity calendar counts back from the end of validity and forward by the grace period', async (t) => {
  t.same(endOfValidityCalendar('2026-12-31', 31), {
    alertOn: '2026-12-01',
    blockingFrom: '2026-12-16',
    acknowledgementFrom: '2026-12-24',
    validUntil: '2026-12-31',
    expiryAfter: '2027-01-31',
  });
  t.equal(endOfValidityCalendar('2027-03-01', 0).blockingFrom, '2027-02-14', 'across a short February');
});

t.test('each end-of-validity step opens on its day, in its order, once, by its party', async (t) => {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, funded: true, validFrom: '2026-11-01', validUntil: '2026-12-31' });
  const buyer = actorOf(db, cast.buyerAdmin);
  const operator = actorOf(db, cast.operatorAdmin);
  const step = (s: EndOfValidityStep, actor = buyer) => takeStep({ db, clock, gracePeriodDays: GRACE, actor, orderId: order.id, step: s });
  const refusal = (s: EndOfValidityStep, actor = buyer) => refusalOf(() => step(s, actor));
  const openSteps = () => endOfValidity({ db, clock, gracePeriodDays: GRACE, actor: buyer, orderId: order.id }).steps.filter((s) => s.open).map((s) => s.step);

  t.same(openSteps(), [], 'J-36: nothing open');
  t.equal(refusal('blocking_approved'), 'step_not_open_yet');
  t.equal(refusal('acknowledged'), 'blocking_not_approved', 'the acknowledgement follows the blocking');
  t.equal(refusal('closing_signed_buyer'), 'closing_not_ready');

  clock.set('2026-12-15T22:59:00Z'); // 23:59 in Paris on 15 December: J-16
  t.equal(refusal('blocking_approved'), 'step_not_open_yet');
  clock.set('2026-12-15T23:00:00Z'); // midnight in Paris: 16 December, J-15
  t.same(openSteps(), ['blocking_approved']);
  t.equal(refusal('blocking_approved', operator), 'forbidden', 'the buyer decides the blocking');
  const blocked = step('blocking_approved');
  t.match(blocked, { blocked: true, unhandedBooklets: { count: 20, passCount: 100, amountCents: 100_000 } });
  t.equal(refusal('blocking_approved'), 'step_already_taken');
  t.equal(refusal('acknowledged'), 'step_not_open_yet', 'J-15: the acknowledgement opens at J-7');

  clock.set('2026-12-24T09:00:00Z'); // J-7
  t.same(openSteps(), ['acknowledged']);
  step('acknowledged');
  t.equal(refusal('closing_signed_buyer'), 'closing_not_ready', 'nothing to sign before the expiry');

  clock.set('2027-02-01T09:00:00Z'); // the grace period is over
  t.equal(expireOrder({ db, clock, actor: null, orderId: order.id, gracePeriodDays: GRACE }).expiredPassCount, 100);
  t.same(openSteps(), ['closing_signed_buyer', 'closing_signed_operator']);
  t.equal(refusal('closing_signed_operator'), 'forbidden', 'the buyer does not sign for the operator');
  step('closing_signed_buyer');
  const done = step('closing_signed_operator', operator);
  t.ok(done.steps.every((s) => s.doneAt !== null), 'every step is on the timeline');
  t.equal(refusal('closing_signed_buyer'), 'step_already_taken');
  t.equal(refusalOf(() => endOfValidity({ db, clock, gracePeriodDays: GRACE, actor: actorOf(db, cast.otherBuyerAdmin), orderId: order.id })), 'order_not_found');
});

t.test('once the order has expired there is nothing left to block', async (t) => {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, validFrom: '2026-11-01', validUntil: '2026-12-31' });
  clock.set('2027-02-01T09:00:00Z');
  expireOrder({ db, clock, actor: null, orderId: order.id, gracePeriodDays: GRACE });
  t.equal(refusalOf(() => takeStep({ db, clock, gracePeriodDays: GRACE, actor: actorOf(db, cast.buyerAdmin), orderId: order.id, step: 'blocking_approved' })), 'order_expired');
});

t.test('a State call’s own rules: the largest project and a grouping of communes', async (t) => {
  t.equal(coversCommuneGrouping(null), true, 'all of France');
  t.equal(coversCommuneGrouping({ communes: ['31555'] }), false);
  t.equal(coversCommuneGrouping({ communes: ['31555', '31149'] }), true);
  t.equal(coversCommuneGrouping({ epcis: ['243100518'] }), true);
  const rules = { maxOrderCents: 300_000_000, territoryMin: 'commune_grouping' as const };
  t.equal(stateRuleRefusal(rules, 'Appel 2020', { totalCents: 300_000_001, territory: { communes: ['31555'] } })?.condition, 'maximum_order', 'the maximum is checked first');
  t.equal(stateRuleRefusal(rules, 'Appel 2020', { totalCents: 300_000_000, territory: { communes: ['31555'] } })?.condition, 'territory_grouping');
  t.equal(stateRuleRefusal(rules, 'Appel 2020', { totalCents: 300_000_000, territory: { departements: ['31'] } }), null, 'the maximum itself is allowed');
  t.equal(stateRuleRefusal(null, 'Sans règles', { totalCents: 1e12, territory: { communes: ['31555'] } }), null);
});

t.test('an order under a State call is refused by its rules at submission, naming the rule', async (t) => {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const program = createProgram(db);
  upsertStateTerms(db, { programId: program.id, stateOrganisationId: null, paysOn: 'purchase', maxOrderCents: 300_000_000, territoryMin: 'commune_grouping', priorityQuotaBasisPoints: null, updatedAt: clock.now().toISOString() });
  const base = { bookletCount: 2, passesPerBooklet: 5, faceValueCents: 1000, validFrom: '2026-12-01', validUntil: '2027-11-30', publics: null, cofinancingProgramId: program.id };
  const submit = (input: Partial<typeof base> & { territory: { communes?: string[]; departements?: string[] } }) =>
    submitOrder({ db, clock, actor: actorOf(db, cast.buyerAdmin), feeBasisPoints: 0, input: { ...base, ...input } });
  t.equal(refusalConditionOf(() => submit({ territory: { communes: ['31555'] } })), 'cofinancing_not_eligible:territory_grouping');
  t.equal(refusalConditionOf(() => submit({ bookletCount: 31_000, passesPerBooklet: 10, territory: { departements: ['31'] } })), 'cofinancing_not_eligible:maximum_order');
  t.match(submit({ territory: { communes: ['31555', '31149'] } }), { stateShareCents: 5000 }, 'two communes are a grouping');
});

t.test('a programme paying on use owes its rate of the value used, never more than its share', async (t) => {
  t.equal(owedOnUse(0, 5000, 1_000_000), 0);
  t.equal(owedOnUse(333, 5000, 1_000_000), 166, 'rounded down');
  t.equal(owedOnUse(2_000_000, 5000, 900_000), 900_000, 'capped at the share');
});

const WORKSHOP = 'Maîtrise des outils numériques du quotidien';
const PAPERWORK = 'Aide aux démarches administratives';
const EQUIPMENT = 'Accès internet et matériel informatique';

/** A funded order (restricted to some services when asked), a booklet handed out, a place whose site offers the workshop and paperwork help. */
async function servicesWorld(t: Parameters<typeof createTestDb>[0], allowedServices?: string[]) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, bookletCount: 1, funded: true, allowedServices });
  const [first] = await bookletsOf(db, order.id);
  const passCodes = await handOutBooklet(db, first!.id);
  const place = await createPlace(db, { sites: [{ communeCode: '31395' }] });
  db.update(placeSites).set({ services: [WORKSHOP, PAPERWORK] }).where(eq(placeSites.id, place.siteIds[0]!)).run();
  const agent = actorOf(db, place.agent);
  const redeem = (code: string, service?: string) => redeemPass({ db, clock, codes, gracePeriodDays: GRACE, actor: agent, code, ...(service ? { service } : {}) });
  const statusOf = (code: string) => db.select().from(passes).where(eq(passes.code, code)).get()!.status;
  return { db, clock, agent, passCodes, redeem, statusOf };
}

t.test('a place is paid only for the services of its catalogue; naming none stays possible on an open order', async (t) => {
  const { db, passCodes, redeem, statusOf } = await servicesWorld(t);
  const [a, b] = passCodes;
  t.equal(refusalOf(() => redeem(a!, EQUIPMENT)), 'service_not_offered');
  t.equal(statusOf(a!), 'active', 'the pass stays usable');
  t.equal(db.select().from(redemptions).all().length, 0, 'nothing written');
  t.equal(redeem(a!, PAPERWORK).service, PAPERWORK);
  t.equal(refusalOf(() => redeem(b!)), null);
});

t.test('an order restricted to some services pays only for them, and the service must be named', async (t) => {
  const { db, clock, agent, passCodes, redeem, statusOf } = await servicesWorld(t, [WORKSHOP]);
  const [a] = passCodes;
  let message = '';
  try {
    redeem(a!, PAPERWORK);
  } catch (error) {
    message = (error as Error).message;
  }
  t.equal(message, `Ce pass ne paie pas le service « ${PAPERWORK} » : son commanditaire l’a réservé à « ${WORKSHOP} ».`);
  t.equal(refusalOf(() => redeem(a!)), 'service_not_allowed', 'on a restricted order the service must be named');
  t.equal(refusalOf(() => redeem(a!, EQUIPMENT)), 'service_not_offered', 'the catalogue is checked before the restriction');
  t.match(checkPass({ db, clock, codes, gracePeriodDays: GRACE, actor: agent, code: a! }), { redeemable: true }, 'the counter check knows no service yet');
  t.equal(statusOf(a!), 'active');
  t.equal(redeem(a!, WORKSHOP).service, WORKSHOP);
  t.equal(statusOf(a!), 'redeemed');
});
