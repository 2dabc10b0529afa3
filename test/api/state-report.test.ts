import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { loginAs } from '../helpers/app.ts';
import { appWithWorld, get, post } from '../helpers/api.ts';
import { bookletsOf, createApprovedOrder, createPlace, createProgram, createUser } from '../helpers/fixtures.ts';
import { passes } from '../../db/schema/booklets.ts';


/**
 * ANCT, created by the operator, funds a 2020-style programme (50 % of passes used, half of the
 * passes to priority publics, a grouping of communes at least). One order under it: 12 booklets
 * handed out, 6 to priority publics; 6 passes used.
 */
async function setup(t: Test) {
  const { world, ...ctx } = await appWithWorld(t);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const created = await post(operator, '/api/v1/organizations', { kind: 'state', name: 'Agence nationale de la cohésion des territoires' });
  t.equal(created.statusCode, 201, created.body);
  const anct = created.json();
  const anctUser = await createUser(ctx.db, { id: anct.id, kind: 'state', name: anct.name }, { role: 'agent' });
  const program = createProgram(ctx.db, { name: 'Appel à projets 2020', envelopeCents: 1_000_000_00 });
  const other = createProgram(ctx.db, { name: 'Autre programme' });
  const terms = await operator.inject({
    method: 'PUT',
    url: `/api/v1/cofinancing-programs/${program.id}/state-terms`,
    payload: { stateOrganisationId: anct.id, paysOn: 'use', maxOrderCents: 300_000_00, territoryMin: 'commune_grouping', priorityQuotaBasisPoints: 5000 },
  });
  t.equal(terms.statusCode, 200, terms.body);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, territory: { departements: ['31'] }, cofinancingProgramId: program.id });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id });
  const serials: string[] = (await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 12 })).json().serials;
  for (const [i, serial] of serials.entries()) {
    const publicCategory = i < 6 ? 'jeunes_16_25_insertion' : 'demandeurs_emploi';
    t.equal((await post(prescriber, '/api/v1/distributions', { bookletSerial: serial, publicCategory, communeCode: '31149' })).statusCode, 201);
  }
  const place = await createPlace(ctx.db, { sites: [{ communeCode: '31395' }] });
  const agent = await loginAs(ctx.app, place.agent);
  const [first, second] = await bookletsOf(ctx.db, order.id);
  const codes = [first!, second!].flatMap((b) => ctx.db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, b.id)).all().map((p) => p.code));
  for (const code of codes.slice(0, 6)) t.equal((await post(agent, '/api/v1/redemptions', { code })).statusCode, 201);
  return { ...ctx, world, operator, anct, state: await loginAs(ctx.app, anctUser), program, other, order, buyer };
}

t.test('the State reads its programme: money, buyers, the priority quota and what it owes on the passes used', async (t) => {
  const ctx = await setup(t);
  const res = await get(ctx.state, `/api/v1/cofinancing-programs/${ctx.program.id}/report`);
  t.equal(res.statusCode, 200, res.body);
  const report = res.json();
  t.match(report, {
    programName: 'Appel à projets 2020',
    paysOn: 'use',
    envelopeCents: 1_000_000_00,
    committedCents: 50_000,
    invoicedCents: 50_000,
    paidCents: 0,
    creditedCents: 0,
    releasedCents: 0,
    remainingCents: 1_000_000_00 - 50_000,
  });
  t.match(report.byBuyer, [{ buyerName: 'Département de test', territory: String, bought: 100, distributed: 60, used: 6 }]);
  t.match(report.priority, { distributions: 12, priorityShare: 50, quotaBasisPoints: 5000, quotaMet: true }, '6 of 12 booklets to priority publics: the 50 % quota is met');
  t.same(report.payOnUse, [{ orderId: ctx.order.id, reference: ctx.order.reference, buyerName: 'Département de test', usedCents: 6000, owedOnUseCents: 3000, invoicedCents: 50_000 }], 'the State owes 50 % of the 60 € used, not the 500 € invoiced');

  const csv = await get(ctx.state, `/api/v1/cofinancing-programs/${ctx.program.id}/report.csv`);
  t.equal(csv.statusCode, 200);
  t.match(csv.body, 'du_sur_utilisation;CMD-');
  const pdf = await get(ctx.state, `/api/v1/cofinancing-programs/${ctx.program.id}/report.pdf`);
  t.equal(pdf.statusCode, 200);
  t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
  const page = await get(ctx.state, `/etat/programmes/${ctx.program.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'quota atteint');
  t.match((await get(ctx.state, '/etat/programmes')).body, 'Appel à projets 2020');
});

t.test('the State sees its programmes and nothing else', async (t) => {
  const ctx = await setup(t);
  t.equal((await get(ctx.state, `/api/v1/cofinancing-programs/${ctx.other.id}/report`)).statusCode, 404, 'another programme');
  const outside = createApprovedOrder(ctx.db, ctx.clock, { buyer: ctx.world.otherBuyerAdmin, operator: ctx.world.operatorAdmin, cofinancingProgramId: ctx.other.id, bookletCount: 1 });
  t.equal((await get(ctx.state, `/api/v1/orders/${outside.id}/usage`)).statusCode, 404, 'another programme’s order');
  const own = await get(ctx.state, `/api/v1/orders/${ctx.order.id}/usage`);
  t.equal(own.statusCode, 200, 'an order of its programme: its usage, masked');
  t.equal(own.json().smallCellThreshold, 5);
  for (const url of [`/api/v1/orders/${ctx.order.id}`, `/api/v1/orders/${ctx.order.id}/booklets`, `/api/v1/orders/${ctx.order.id}/distribution-stats`, `/commandes/${ctx.order.id}`]) {
    t.ok([403, 404].includes((await get(ctx.state, url)).statusCode), `no buyer internals: ${url}`);
  }
  t.equal((await get(ctx.buyer, `/api/v1/cofinancing-programs/${ctx.program.id}/report`)).statusCode, 403, 'a buyer does not read the State’s report');
  const notState = await ctx.operator.inject({
    method: 'PUT',
    url: `/api/v1/cofinancing-programs/${ctx.other.id}/state-terms`,
    payload: { stateOrganisationId: ctx.world.buyer.id },
  });
  t.equal(notState.json().code, 'not_a_state_organisation');
});

t.test('the programme’s own rules are checked at order time, and the refusal names the rule', async (t) => {
  const ctx = await setup(t);
  const base = { bookletCount: 2, passesPerBooklet: 5, faceValueCents: 1000, validFrom: '2026-12-01', validUntil: '2027-11-30', publics: null, cofinancingProgramId: ctx.program.id };
  const oneCommune = await post(ctx.buyer, '/api/v1/orders', { ...base, territory: { communes: ['31555'] } });
  t.equal(oneCommune.statusCode, 422);
  t.match(oneCommune.json(), { code: 'cofinancing_not_eligible', condition: 'territory_grouping' });
  t.match(oneCommune.json().detail, 'regroupement de communes');
  const tooBig = await post(ctx.buyer, '/api/v1/orders', { ...base, bookletCount: 31_000, passesPerBooklet: 10, territory: { departements: ['31'] } });
  t.match(tooBig.json(), { code: 'cofinancing_not_eligible', condition: 'maximum_order' });
  const fine = await post(ctx.buyer, '/api/v1/orders', { ...base, territory: { communes: ['31555', '31149'] } });
  t.equal(fine.statusCode, 201, 'two communes are a grouping');
});
