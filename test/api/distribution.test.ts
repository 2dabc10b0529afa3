import t, { type Test } from 'tap';
import { and, eq, inArray } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { actorOf, createApprovedOrder, createOrganisation, createUser, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { bookletMovementItems, bookletMovements, distributions, prescriberDesignations } from '../../db/schema/distribution.ts';
import { checkDistribution, commitDistribution } from '../../server/modules/distribution/distribution.service.ts';
import type { OrderRow } from '../../server/modules/orders/orders.service.ts';

type Ctx = Awaited<ReturnType<typeof setup>>;

async function setup(t: Test, order: Partial<Parameters<typeof createApprovedOrder>[2]> = {}) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const created = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, territory: { departements: ['31'] }, ...order });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  return { ...ctx, world, order: created, buyer, prescriber };
}

const post = (s: Session, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  s.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });
const get = (s: Session, url: string, headers: Record<string, string> = {}) => s.inject({ method: 'GET', url, headers });

const serialsOf = (ctx: Ctx, order: OrderRow) =>
  ctx.db.select({ serial: booklets.serial }).from(booklets).where(eq(booklets.orderId, order.id)).orderBy(booklets.position).all().map((b) => b.serial);
const bookletBySerial = (ctx: Ctx, serial: string) => ctx.db.select().from(booklets).where(eq(booklets.serial, serial)).get()!;
const passStatuses = (ctx: Ctx, serial: string) =>
  ctx.db.select({ status: passes.status }).from(passes).where(eq(passes.bookletId, bookletBySerial(ctx, serial).id)).all().map((p) => p.status);

/** Designates the world's prescriber and allots it `count` booklets; returns the allotted serials. */
async function allot(ctx: Ctx, count = 5, order: OrderRow = ctx.order, prescriberId = ctx.world.prescriber.id, buyer: Session = ctx.buyer): Promise<string[]> {
  const designated = await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId });
  if (designated.statusCode !== 201 && designated.json().code !== 'prescriber_already_designated') throw new Error(designated.body);
  const res = await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId, bookletCount: count });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().serials;
}

/** Moves the clock and logs the prescriber in again: a session does not outlive a jump of months. */
async function at(ctx: Ctx, instant: string): Promise<Session> {
  ctx.clock.set(instant);
  return loginAs(ctx.app, ctx.world.prescriberAdmin);
}

const handout = (serial: string, extra: Record<string, unknown> = {}) => ({ bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: '31149', ...extra });

// --- Designation --------------------------------------------------------------------------------

t.test('a buyer designates a prescriber on its order once; the list shows it with its stock', async (t) => {
  const ctx = await setup(t);
  const res = await post(ctx.buyer, `/api/v1/orders/${ctx.order.id}/prescribers`, { prescriberId: ctx.world.prescriber.id });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { prescriberId: ctx.world.prescriber.id, prescriberName: 'Mission locale de test' });
  const again = await post(ctx.buyer, `/api/v1/orders/${ctx.order.id}/prescribers`, { prescriberId: ctx.world.prescriber.id });
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'prescriber_already_designated');
  const place = await post(ctx.buyer, `/api/v1/orders/${ctx.order.id}/prescribers`, { prescriberId: ctx.world.place.id });
  t.equal(place.statusCode, 404, 'only prescriber organisations can be designated');
  const list = (await get(ctx.buyer, `/api/v1/orders/${ctx.order.id}/prescribers`)).json();
  t.same(list.items.map((d: { prescriberId: string }) => d.prescriberId), [ctx.world.prescriber.id]);
  const prescribers = (await get(ctx.buyer, '/api/v1/prescribers')).json();
  t.same(prescribers.items.map((p: { name: string }) => p.name), ['Mission locale de test']);
});

t.test('another buyer\'s order is a 404 for designation, allotment, statistics and lists', async (t) => {
  const ctx = await setup(t);
  const other = await loginAs(ctx.app, ctx.world.otherBuyerAdmin);
  t.equal((await post(other, `/api/v1/orders/${ctx.order.id}/prescribers`, { prescriberId: ctx.world.prescriber.id })).statusCode, 404);
  t.equal((await get(other, `/api/v1/orders/${ctx.order.id}/prescribers`)).statusCode, 404);
  t.equal((await get(other, `/api/v1/orders/${ctx.order.id}/distribution-stats`)).statusCode, 404);
  t.equal((await get(other, `/api/v1/distributions?orderId=${ctx.order.id}`)).statusCode, 404);
  await allot(ctx, 2);
  const stolen = await post(other, '/api/v1/allotments', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 1 });
  t.equal(stolen.statusCode, 404);
  t.equal(stolen.json().code, 'order_not_found');
  t.equal((await other.inject({ method: 'DELETE', url: `/api/v1/orders/${ctx.order.id}/prescribers/${ctx.world.prescriber.id}` })).statusCode, 404);
  t.equal((await get(other, '/api/v1/booklet-movements')).json().items.length, 0, 'no movement of someone else\'s booklets');
  t.equal((await get(other, '/distribution/commandes/' + ctx.order.id)).statusCode, 404, 'nor its page');
});

// --- Allotments and returns -------------------------------------------------------------------

t.test('allotment by count takes the lowest serials in stock; by serials and ranges takes exactly those', async (t) => {
  const ctx = await setup(t);
  const all = serialsOf(ctx, ctx.order);
  await post(ctx.buyer, `/api/v1/orders/${ctx.order.id}/prescribers`, { prescriberId: ctx.world.prescriber.id });
  const byCount = await post(ctx.buyer, '/api/v1/allotments', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 3 });
  t.equal(byCount.statusCode, 201);
  t.same(byCount.json().serials, all.slice(0, 3));
  t.equal(byCount.json().serialsSummary, `${all[0]} à ${all[2]}`);
  const bySerials = await post(ctx.buyer, '/api/v1/allotments', {
    orderId: ctx.order.id,
    prescriberId: ctx.world.prescriber.id,
    bookletSerials: [`${all[10]} à ${all[12]}`, all[15]!.toLowerCase(), `${all[17]}..${all[18]!.slice(-6)}`],
  });
  t.equal(bySerials.statusCode, 201, bySerials.body);
  t.same(bySerials.json().serials, [all[10], all[11], all[12], all[15], all[17], all[18]]);
  const next = await post(ctx.buyer, '/api/v1/allotments', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 1 });
  t.same(next.json().serials, [all[3]], 'the lowest serial still in stock');
  for (const serial of [...all.slice(0, 4), all[10]!, all[15]!]) {
    t.match(bookletBySerial(ctx, serial), { status: 'allotted', holderId: ctx.world.prescriber.id });
  }
  t.match(bookletBySerial(ctx, all[4]!), { status: 'in_stock', holderId: ctx.world.buyer.id });
});

t.test('allotment refusals: prescriber not designated, not enough stock, booklets already allotted; nothing moves', async (t) => {
  const ctx = await setup(t, { bookletCount: 5 });
  const all = serialsOf(ctx, ctx.order);
  const notDesignated = await post(ctx.buyer, '/api/v1/allotments', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 1 });
  t.equal(notDesignated.statusCode, 422);
  t.equal(notDesignated.json().code, 'prescriber_not_designated');
  await allot(ctx, 2);
  const tooMany = await post(ctx.buyer, '/api/v1/allotments', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 4 });
  t.equal(tooMany.statusCode, 422);
  t.match(tooMany.json(), { code: 'not_enough_stock', available: 3 });
  const taken = await post(ctx.buyer, '/api/v1/allotments', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletSerials: [all[4]!, all[0]!] });
  t.equal(taken.statusCode, 422);
  t.equal(taken.json().code, 'booklet_not_in_your_stock');
  t.match(taken.json().detail, all[0]!);
  t.equal(bookletBySerial(ctx, all[4]!).status, 'in_stock', 'the valid part of a refused allotment did not move either');
  const neither = await post(ctx.buyer, '/api/v1/allotments', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id });
  t.equal(neither.statusCode, 400, 'a count or serials is required');
});

t.test('every move is recorded: who, when, from, to and which booklets; the record cannot be edited', async (t) => {
  const ctx = await setup(t);
  const allotted = await allot(ctx, 3);
  await post(ctx.buyer, '/api/v1/allotments/returns', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 1 });
  const list = (await get(ctx.buyer, `/api/v1/booklet-movements?orderId=${ctx.order.id}`)).json();
  t.equal(list.items.length, 2);
  t.match(list.items[1], {
    kind: 'allotment',
    fromOrganisationId: ctx.world.buyer.id,
    fromOrganisationName: 'Département de test',
    toOrganisationId: ctx.world.prescriber.id,
    toOrganisationName: 'Mission locale de test',
    bookletCount: 3,
    serialsSummary: `${allotted[0]} à ${allotted[2]}`,
    actorName: 'Utilisateur admin',
    at: '2026-11-25T10:00:00.000Z',
  });
  t.match(list.items[0], { kind: 'return', fromOrganisationId: ctx.world.prescriber.id, toOrganisationId: ctx.world.buyer.id, serialsSummary: allotted[2] });
  const items = ctx.db.select().from(bookletMovementItems).where(eq(bookletMovementItems.movementId, list.items[1].id)).all();
  t.equal(items.length, 3, 'the exact booklets of the move');
  const history = (await get(ctx.prescriber, `/api/v1/booklets/${allotted[0]}/movements`)).json();
  t.same(history.items.map((m: { kind: string }) => m.kind), ['allotment']);
  const csv = await get(ctx.buyer, '/api/v1/booklet-movements', { accept: 'text/csv' });
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, /Confiés au prescripteur;CMD-2026-\d+;Département de test;Mission locale de test;3;/);
  t.throws(() => ctx.db.update(bookletMovements).set({ bookletCount: 99 }).run(), /append-only/);
  t.throws(() => ctx.db.delete(bookletMovementItems).run(), /append-only/);
});

t.test('returns take back only undistributed booklets, asked by the buyer or by the prescriber itself', async (t) => {
  const ctx = await setup(t);
  const [first, second, third, fourth] = await allot(ctx, 4);
  t.equal((await post(ctx.prescriber, '/api/v1/distributions', handout(first!))).statusCode, 201);
  const mixed = await post(ctx.buyer, '/api/v1/allotments/returns', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletSerials: [second!, first!] });
  t.equal(mixed.statusCode, 422);
  t.equal(mixed.json().code, 'booklet_not_returnable');
  t.match(mixed.json().detail, first!);
  t.equal(bookletBySerial(ctx, second!).status, 'allotted', 'nothing came back');
  const byCount = await post(ctx.buyer, '/api/v1/allotments/returns', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 1 });
  t.same(byCount.json().serials, [fourth], 'the highest serial comes back first');
  const tooMany = await post(ctx.buyer, '/api/v1/allotments/returns', { orderId: ctx.order.id, prescriberId: ctx.world.prescriber.id, bookletCount: 3 });
  t.match(tooMany.json(), { code: 'not_enough_stock', available: 2 });
  const own = await post(ctx.prescriber, '/api/v1/allotments/returns', { orderId: ctx.order.id, bookletSerials: [third!] });
  t.equal(own.statusCode, 201);
  t.match(bookletBySerial(ctx, third!), { status: 'in_stock', holderId: ctx.world.buyer.id });
  t.match(bookletBySerial(ctx, first!), { status: 'distributed', holderId: ctx.world.prescriber.id });
});

t.test('a revoked prescriber keeps no right: its undistributed booklets return to stock and it can no longer distribute', async (t) => {
  const ctx = await setup(t);
  const [handedOut, kept, other] = await allot(ctx, 3);
  await post(ctx.prescriber, '/api/v1/distributions', handout(handedOut!));
  const revoked = await ctx.buyer.inject({ method: 'DELETE', url: `/api/v1/orders/${ctx.order.id}/prescribers/${ctx.world.prescriber.id}` });
  t.equal(revoked.statusCode, 200);
  t.equal(revoked.json().returnedBooklets, 2);
  for (const serial of [kept!, other!]) t.match(bookletBySerial(ctx, serial), { status: 'in_stock', holderId: ctx.world.buyer.id });
  t.equal(bookletBySerial(ctx, handedOut!).status, 'distributed', 'a booklet already handed out stays with its beneficiary');
  const movement = ctx.db.select().from(bookletMovements).where(eq(bookletMovements.kind, 'revocation_return')).get()!;
  t.match(movement, { fromOrganisationId: ctx.world.prescriber.id, toOrganisationId: ctx.world.buyer.id, bookletCount: 2 });
  // Even a booklet given back to it by mistake cannot be handed out without a designation.
  ctx.db.update(booklets).set({ status: 'allotted', holderId: ctx.world.prescriber.id }).where(eq(booklets.serial, kept!)).run();
  const refused = await post(ctx.prescriber, '/api/v1/distributions', handout(kept!));
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'booklet_not_in_your_stock');
  t.equal((await post(ctx.prescriber, `/api/v1/booklets/${handedOut}/block`, { reason: 'lost' })).statusCode, 404, 'nor block');
  t.equal((await get(ctx.prescriber, '/api/v1/stock')).json().items.length, 0, 'its stock is empty');
  t.equal(ctx.db.select().from(prescriberDesignations).all().length, 1, 'the revoked designation is kept as history');
  const again = await post(ctx.buyer, `/api/v1/orders/${ctx.order.id}/prescribers`, { prescriberId: ctx.world.prescriber.id });
  t.equal(again.statusCode, 201, 'it may be designated again later');
  const byBody = await ctx.buyer.inject({ method: 'DELETE', url: `/api/v1/orders/${ctx.order.id}/prescribers`, payload: { prescriberId: ctx.world.prescriber.id } });
  t.equal(byBody.statusCode, 200, 'DELETE on the collection with the prescriber in the body revokes too');
  t.equal((await ctx.buyer.inject({ method: 'DELETE', url: `/api/v1/orders/${ctx.order.id}/prescribers/${ctx.world.prescriber.id}` })).statusCode, 404, 'nothing left to revoke');
});

// --- Distribution rules -------------------------------------------------------------------------

t.test('a distribution records public, commune and age band only, and activates the passes of a funded order', async (t) => {
  const ctx = await setup(t);
  const [serial] = await allot(ctx, 1);
  const res = await post(ctx.prescriber, '/api/v1/distributions', handout(serial!, { ageBand: '26_44' }));
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: '31149', communeName: 'Colomiers', ageBand: '26_44', distributedOn: '2026-11-25', passesActive: true, passCount: 5 });
  t.same(passStatuses(ctx, serial!), ['active', 'active', 'active', 'active', 'active']);
  t.equal(bookletBySerial(ctx, serial!).status, 'distributed');
  const row = ctx.db.select().from(distributions).get()!;
  t.same(Object.keys(row).sort(), ['ageBand', 'bookletId', 'buyerId', 'communeCode', 'distributedAt', 'distributedOn', 'id', 'orderId', 'prescriberId', 'publicCategory', 'recordedByUserId']);
  const again = await post(ctx.prescriber, '/api/v1/distributions', handout(serial!));
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'booklet_already_distributed');
});

t.test('the booklet QR code address is accepted as the serial, in any case', async (t) => {
  const ctx = await setup(t);
  const [serial] = await allot(ctx, 1);
  const res = await post(ctx.prescriber, '/api/v1/distributions', handout(`http://pass.test/c/${serial!.toLowerCase()}`));
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().bookletSerial, serial);
});

t.test('booklet_not_in_your_stock: unknown serial, a booklet still in the buyer\'s stock, another prescriber\'s booklet', async (t) => {
  const ctx = await setup(t);
  const all = serialsOf(ctx, ctx.order);
  const otherPrescriber = createOrganisation(ctx.db, { kind: 'prescriber', name: 'CCAS voisin' });
  const otherAgent = await loginAs(ctx.app, await createUser(ctx.db, otherPrescriber, { role: 'agent' }));
  const [mine] = await allot(ctx, 1);
  await allot(ctx, 1, ctx.order, otherPrescriber.id);
  const theirs = all[1]!;
  for (const serial of ['CD31-2026-999999', all[5]!, theirs]) {
    const res = await post(ctx.prescriber, '/api/v1/distributions', handout(serial));
    t.equal(res.statusCode, 422, serial);
    t.equal(res.json().code, 'booklet_not_in_your_stock');
  }
  const unknown = (await post(ctx.prescriber, '/api/v1/distributions', handout('CD31-2026-999999'))).json().detail;
  const foreign = (await post(ctx.prescriber, '/api/v1/distributions', handout(theirs))).json().detail;
  t.equal(foreign.replace(theirs, 'X'), unknown.replace('CD31-2026-999999', 'X'), 'another prescriber\'s booklet looks exactly like a missing one');
  t.equal((await post(otherAgent, '/api/v1/distributions', handout(mine!))).json().code, 'booklet_not_in_your_stock');
  t.equal((await post(ctx.buyer, '/api/v1/distributions', handout(mine!))).statusCode, 403, 'buyers do not distribute');
});

t.test('a prescriber of another buyer gets 404 on the booklet and cannot distribute it', async (t) => {
  const ctx = await setup(t);
  const otherBuyer = await loginAs(ctx.app, ctx.world.otherBuyerAdmin);
  const otherNetwork = createOrganisation(ctx.db, { kind: 'prescriber', name: 'Mission locale de Bordeaux' });
  const outsider = await loginAs(ctx.app, await createUser(ctx.db, otherNetwork));
  const otherOrder = createApprovedOrder(ctx.db, ctx.clock, { buyer: ctx.world.otherBuyerAdmin, operator: ctx.world.operatorAdmin, funded: true, bookletCount: 2 });
  await allot(ctx, 1, otherOrder, otherNetwork.id, otherBuyer);
  const [serial] = await allot(ctx, 1);
  t.equal((await get(outsider, `/api/v1/booklets/${serial}/movements`)).statusCode, 404);
  t.equal((await post(outsider, `/api/v1/booklets/${serial}/block`, { reason: 'stolen' })).statusCode, 404);
  t.equal((await post(outsider, '/api/v1/distributions', handout(serial!))).json().code, 'booklet_not_in_your_stock');
  t.equal((await post(outsider, '/api/v1/allotments/returns', { orderId: ctx.order.id, bookletCount: 1 })).statusCode, 404);
  const stock = (await get(outsider, '/api/v1/stock')).json().items;
  t.same(stock.map((b: { orderId: string }) => b.orderId), [otherOrder.id], 'a prescriber sees only its own stock');
  t.equal(bookletBySerial(ctx, serial!).status, 'allotted');
});

t.test('order dates: not valid before validFrom, expired after validUntil, both in Paris days', async (t) => {
  const ctx = await setup(t, { validFrom: '2027-01-01', validUntil: '2027-06-30' });
  const [a, b] = await allot(ctx, 2);
  let prescriber = await at(ctx, '2026-12-31T22:30:00Z'); // 23:30 in Paris, still 31 December
  const early = await post(prescriber, '/api/v1/distributions', handout(a!));
  t.equal(early.statusCode, 422);
  t.equal(early.json().code, 'order_not_valid_yet');
  t.match(early.json().detail, /1er janvier 2027/);
  prescriber = await at(ctx, '2026-12-31T23:30:00Z'); // 00:30 in Paris on 1 January
  t.equal((await post(prescriber, '/api/v1/distributions', handout(a!))).statusCode, 201, 'the first Paris day of validity');
  prescriber = await at(ctx, '2027-06-30T21:59:00Z'); // 23:59 in Paris, last day
  const last = await post(prescriber, '/api/v1/distributions', handout(b!, { publicCategory: 'martiens' }));
  t.equal(last.statusCode, 400, 'an unknown public is malformed input');
  prescriber = await at(ctx, '2027-06-30T22:00:00Z'); // midnight in Paris: 1 July
  const late = await post(prescriber, '/api/v1/distributions', handout(b!));
  t.equal(late.statusCode, 422);
  t.equal(late.json().code, 'order_expired');
  t.match(late.json().detail, /30 juin 2027/);
});

t.test('public_not_eligible names the eligible publics; null publics accept every category', async (t) => {
  const ctx = await setup(t, { publics: ['jeunes_16_25_insertion', 'decrocheurs_peu_qualifies'] });
  const [a, b] = await allot(ctx, 2);
  const refused = await post(ctx.prescriber, '/api/v1/distributions', handout(a!, { publicCategory: 'seniors_60_plus' }));
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'public_not_eligible');
  t.match(refused.json().detail, /Personnes de 60 ans et plus.*Jeunes de 16 à 25 ans/);
  t.equal((await post(ctx.prescriber, '/api/v1/distributions', handout(a!, { publicCategory: 'jeunes_16_25_insertion' }))).statusCode, 201);
  const open = createApprovedOrder(ctx.db, ctx.clock, { buyer: ctx.world.buyerAdmin, operator: ctx.world.operatorAdmin, funded: true, publics: null, territory: null, bookletCount: 1 });
  const [c] = await allot(ctx, 1, open);
  const anyone = await post(ctx.prescriber, '/api/v1/distributions', handout(c!, { publicCategory: 'illettrisme', communeCode: '2A004' }));
  t.equal(anyone.statusCode, 201, 'null publics and null territory: anyone, anywhere in France');
  void b;
});

t.test('territory by département, by EPCI, by commune, and a Lyon arrondissement inside a Lyon-only territory', async (t) => {
  const ctx = await setup(t, { bookletCount: 2 });
  const cases: { territory: Record<string, string[]>; accepted: string; refused: string }[] = [
    { territory: { departements: ['31'] }, accepted: '31483', refused: '33063' }, // Saint-Gaudens / Bordeaux
    { territory: { epcis: ['243100518'] }, accepted: '31149', refused: '31395' }, // Toulouse Métropole: Colomiers / Muret next door
    { territory: { communes: ['31555'] }, accepted: '31555', refused: '31149' }, // Toulouse only: Colomiers is a neighbour
    { territory: { communes: ['69123'] }, accepted: '69383', refused: '69266' }, // Lyon: its 3rd arrondissement / Villeurbanne
  ];
  for (const c of cases) {
    const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: ctx.world.buyerAdmin, operator: ctx.world.operatorAdmin, funded: true, territory: c.territory, bookletCount: 1 });
    const [serial] = await allot(ctx, 1, order);
    const refused = await post(ctx.prescriber, '/api/v1/distributions', handout(serial!, { communeCode: c.refused }));
    t.equal(refused.statusCode, 422, `${c.refused} refused for ${JSON.stringify(c.territory)}`);
    t.equal(refused.json().code, 'territory_not_eligible');
    const accepted = await post(ctx.prescriber, '/api/v1/distributions', handout(serial!, { communeCode: c.accepted }));
    t.equal(accepted.statusCode, 201, `${c.accepted} accepted for ${JSON.stringify(c.territory)}`);
  }
  const bordeaux = ctx.db.select().from(distributions).all().find((d) => d.communeCode === '33063');
  t.notOk(bordeaux, 'no refused distribution was stored');
  const unknown = await post(ctx.prescriber, '/api/v1/distributions', handout(serialsOf(ctx, ctx.order)[0]!, { communeCode: '99999' }));
  t.equal(unknown.statusCode, 400, 'an unknown commune code is malformed input');
});

t.test('the checks run in the contract\'s order', async (t) => {
  const ctx = await setup(t, { publics: ['seniors_60_plus'], validFrom: '2027-01-01', validUntil: '2027-03-31' });
  const [serial] = await allot(ctx, 1);
  const everythingWrong = handout(serial!, { publicCategory: 'demandeurs_emploi', communeCode: '33063' });
  let prescriber = ctx.prescriber;
  const code = async (body: Record<string, unknown>) => (await post(prescriber, '/api/v1/distributions', body)).json().code;
  t.equal(await code({ ...everythingWrong, bookletSerial: 'CD31-2026-999999' }), 'booklet_not_in_your_stock');
  t.equal(await code(everythingWrong), 'order_not_valid_yet');
  prescriber = await at(ctx, '2027-04-01T10:00:00Z');
  t.equal(await code(everythingWrong), 'order_expired');
  prescriber = await at(ctx, '2027-02-01T10:00:00Z');
  t.equal(await code(everythingWrong), 'public_not_eligible');
  t.equal(await code({ ...everythingWrong, publicCategory: 'seniors_60_plus' }), 'territory_not_eligible');
});

t.test('20 concurrent distributions of one booklet: exactly one succeeds', async (t) => {
  const ctx = await setup(t);
  const [serial] = await allot(ctx, 1);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(ctx.prescriber, '/api/v1/distributions', handout(serial!, { ageBand: i % 2 ? '16_25' : '26_44' }))));
  const codes = results.map((r) => r.statusCode);
  t.equal(codes.filter((c) => c === 201).length, 1);
  t.equal(codes.filter((c) => c === 409).length, 19);
  t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'booklet_already_distributed'));
  t.equal(ctx.db.select().from(distributions).all().length, 1);
  t.equal(ctx.db.select().from(bookletMovements).where(eq(bookletMovements.kind, 'distribution')).all().length, 1);
});

t.test('two distributions checked against the same stale state: the conditional UPDATE lets only the first through', async (t) => {
  const ctx = await setup(t);
  const [serial] = await allot(ctx, 1);
  const actor = actorOf(ctx.db, ctx.world.prescriberAdmin);
  const input = { bookletSerial: serial!, publicCategory: 'demandeurs_emploi', communeCode: '31149' };
  // Two requests that both read the booklet as allotted before either writes (another process, another connection).
  const first = checkDistribution(ctx.db, actor, input, '2026-11-25');
  const second = checkDistribution(ctx.db, actor, input, '2026-11-25');
  ctx.db.transaction((tx) => commitDistribution(tx, ctx.clock, actor, first, input));
  t.throws(() => ctx.db.transaction((tx) => commitDistribution(tx, ctx.clock, actor, second, input)), { code: 'booklet_already_distributed', status: 409 });
  t.equal(ctx.db.select().from(distributions).all().length, 1);
});

t.test('passes of a booklet distributed before funding stay issued, and activate when funding arrives', async (t) => {
  const ctx = await setup(t, { funded: false, bookletCount: 3 });
  const [early, stillAllotted] = await allot(ctx, 2);
  const res = await post(ctx.prescriber, '/api/v1/distributions', handout(early!));
  t.equal(res.statusCode, 201);
  t.equal(res.json().passesActive, false);
  t.same(new Set(passStatuses(ctx, early!)), new Set(['issued']));
  const funded = await post(ctx.buyer, `/api/v1/orders/${ctx.order.id}/mandate`, { mandateNumber: 'MDT-2026-0099' });
  t.equal(funded.json().funded, true);
  t.same(new Set(passStatuses(ctx, early!)), new Set(['active']), 'the distributed booklet\'s passes are active now');
  t.same(new Set(passStatuses(ctx, stillAllotted!)), new Set(['issued']), 'an undistributed booklet\'s passes stay issued');
  t.ok(ctx.db.select().from(passes).where(eq(passes.status, 'active')).all().every((p) => p.activatedAt === '2026-11-25T10:00:00.000Z'));
});

t.test('Idempotency-Key on a distribution: the replay returns the first response and hands out nothing more', async (t) => {
  const ctx = await setup(t);
  const [serial] = await allot(ctx, 1);
  const first = await post(ctx.prescriber, '/api/v1/distributions', handout(serial!), { 'idempotency-key': 'dist-1' });
  const replay = await post(ctx.prescriber, '/api/v1/distributions', handout(serial!), { 'idempotency-key': 'dist-1' });
  t.equal(replay.statusCode, 201);
  t.equal(replay.json().id, first.json().id);
  t.equal(replay.headers['idempotent-replayed'], 'true');
});

// --- Blocking -----------------------------------------------------------------------------------

t.test('blocking: the buyer or the holding prescriber blocks; unredeemed passes become blocked, redeemed ones stay', async (t) => {
  const ctx = await setup(t);
  const all = serialsOf(ctx, ctx.order);
  const [handedOut, held] = await allot(ctx, 2);
  await post(ctx.prescriber, '/api/v1/distributions', handout(handedOut!));
  const bookletId = bookletBySerial(ctx, handedOut!).id;
  const firstPass = ctx.db.select().from(passes).where(eq(passes.bookletId, bookletId)).orderBy(passes.position).get()!;
  ctx.db.update(passes).set({ status: 'redeemed' }).where(eq(passes.id, firstPass.id)).run();

  const byPrescriber = await post(ctx.prescriber, `/api/v1/booklets/${handedOut}/block`, { reason: 'stolen' });
  t.equal(byPrescriber.statusCode, 200, byPrescriber.body);
  t.match(byPrescriber.json(), { status: 'blocked', previousStatus: 'distributed', reason: 'stolen', blockedPassCount: 4 });
  t.same(passStatuses(ctx, handedOut!).sort(), ['blocked', 'blocked', 'blocked', 'blocked', 'redeemed']);
  const twice = await post(ctx.buyer, `/api/v1/booklets/${handedOut}/block`, { reason: 'lost' });
  t.equal(twice.statusCode, 409);
  t.equal(twice.json().code, 'booklet_already_blocked');

  const byBuyer = await post(ctx.buyer, `/api/v1/booklets/${all[10]}/block`, { reason: 'lost' });
  t.equal(byBuyer.statusCode, 200);
  t.same(new Set(passStatuses(ctx, all[10]!)), new Set(['blocked']));
  t.equal((await post(ctx.prescriber, `/api/v1/booklets/${all[11]}/block`, { reason: 'lost' })).statusCode, 404, 'a booklet the prescriber does not hold');
  t.equal((await post(ctx.buyer, `/api/v1/booklets/${held}/block`, { reason: 'because' })).statusCode, 400, 'the reason is a code, never free text');

  await post(ctx.prescriber, `/api/v1/booklets/${held}/block`, { reason: 'lost' });
  const blocked = await post(ctx.prescriber, '/api/v1/distributions', handout(held!));
  t.equal(blocked.json().code, 'booklet_not_in_your_stock');
  t.match(blocked.json().detail, /bloqué/);
  const movement = ctx.db.select().from(bookletMovements).where(and(eq(bookletMovements.kind, 'block'), eq(bookletMovements.reason, 'stolen'))).get();
  t.ok(movement, 'the block is in the custody record');
});

// --- Lists, statistics, privacy ------------------------------------------------------------------

t.test('a prescriber sees its own stock and distributions in full; the buyer sees rows without beneficiary details', async (t) => {
  const ctx = await setup(t);
  const [a, b, c] = await allot(ctx, 3);
  await post(ctx.prescriber, '/api/v1/distributions', handout(a!, { ageBand: '60_74', publicCategory: 'seniors_60_plus' }));
  const stock = (await get(ctx.prescriber, '/api/v1/stock')).json();
  t.same(stock.items.map((i: { serial: string }) => i.serial), [b, c]);
  const mine = (await get(ctx.prescriber, '/api/v1/distributions')).json().items;
  t.match(mine, [{ bookletSerial: a, publicCategory: 'seniors_60_plus', communeCode: '31149', communeName: 'Colomiers', ageBand: '60_74' }]);
  const buyerView = (await get(ctx.buyer, `/api/v1/distributions?orderId=${ctx.order.id}`)).json().items;
  t.match(buyerView, [{ bookletSerial: a, prescriberName: 'Mission locale de test', publicCategory: null, communeCode: null, ageBand: null }]);
  const csv = await get(ctx.prescriber, '/api/v1/distributions', { accept: 'text/csv' });
  t.match(csv.body, /^\uFEFFDate;Carnet;Commande;Prescripteur;Public;Commune;Code INSEE;Tranche d’âge\r\n2026-11-25;CD31-/);
  const buyerCsv = await get(ctx.buyer, '/api/v1/distributions?format=csv');
  t.match(buyerCsv.headers['content-type'], /text\/csv/, 'a plain link downloads the CSV');
  t.match(buyerCsv.body, /^\uFEFFDate;Carnet;Commande;Prescripteur\r\n2026-11-25;CD31-/);
  t.notMatch(buyerCsv.body, /Colomiers|Public/, 'no beneficiary detail for the buyer');
  const ranged = (await get(ctx.prescriber, '/api/v1/distributions?from=2026-12-01')).json().items;
  t.equal(ranged.length, 0, 'date filter');
  const otherPrescriber = createOrganisation(ctx.db, { kind: 'prescriber' });
  const other = await loginAs(ctx.app, await createUser(ctx.db, otherPrescriber));
  t.equal((await get(other, '/api/v1/distributions')).json().items.length, 0);
  t.equal((await get(other, '/api/v1/stock')).json().items.length, 0);
});

t.test('statistics hide cells under 5 beneficiaries from buyers, not from the operator; arrondissements count as their commune', async (t) => {
  const ctx = await setup(t, { territory: null });
  const serials = await allot(ctx, 16);
  const plan: [string, string][] = [
    ...Array.from({ length: 6 }, () => ['demandeurs_emploi', '69381'] as [string, string]), // Lyon 1er
    ...Array.from({ length: 2 }, () => ['demandeurs_emploi', '69383'] as [string, string]), // Lyon 3e → Lyon: 8
    ...Array.from({ length: 5 }, () => ['jeunes_16_25_insertion', '31555'] as [string, string]),
    ...Array.from({ length: 2 }, () => ['seniors_60_plus', '31149'] as [string, string]),
    ['illettrisme', '31149'],
  ];
  for (const [i, [publicCategory, communeCode]] of plan.entries()) {
    const res = await post(ctx.prescriber, '/api/v1/distributions', handout(serials[i]!, { publicCategory, communeCode }));
    t.equal(res.statusCode, 201, res.body);
  }
  const stats = (await get(ctx.buyer, `/api/v1/orders/${ctx.order.id}/distribution-stats`)).json();
  t.equal(stats.smallCellThreshold, 5);
  t.match(stats.booklets, { total: 20, distributed: 16, allotted: 0, inStock: 4 });
  const byPublic = Object.fromEntries(stats.byPublic.map((c: { key: string; count: number | null }) => [c.key, c.count]));
  // 2 and 1 hidden add up to 3: the largest cell (8) is hidden with them, so that their sum is not a small count.
  t.same(byPublic, { demandeurs_emploi: null, jeunes_16_25_insertion: 5, seniors_60_plus: null, illettrisme: null });
  const byCommune = Object.fromEntries(stats.byCommune.map((c: { key: string; count: number | null }) => [c.key, c.count]));
  // Lyon 1er and 3e count as Lyon (8); Colomiers (3) is hidden, and so is Lyon (the largest), else 16 − 8 − 5 would give Colomiers back.
  t.same(byCommune, { '69123': null, '31555': 5, '31149': null });
  t.equal(stats.byCommune.length, 3);
  t.equal(stats.byMonth[0].count, 16);
  t.equal(stats.priorityShare, 31.3, '5 of 16 to a priority public');
  const operator = await loginAs(ctx.app, ctx.world.operatorAdmin);
  const exact = (await get(operator, `/api/v1/orders/${ctx.order.id}/distribution-stats`)).json();
  t.equal(exact.smallCellThreshold, 0);
  t.same(Object.fromEntries(exact.byPublic.map((c: { key: string; count: number }) => [c.key, c.count])), { demandeurs_emploi: 8, jeunes_16_25_insertion: 5, seniors_60_plus: 2, illettrisme: 1 });
  const dashboard = await get(ctx.buyer, '/tableau-de-bord');
  t.match(dashboard.body, /secret statistique/, 'the buyer\'s dashboard says « secret statistique »');
  t.notMatch(dashboard.body, /&lt; 5/, 'never "< 5": a cell masked in complement may be large');
  t.notMatch(dashboard.body, /<td[^>]*>Personnes de 60 ans et plus<\/td><td[^>]*>2<\/td>/);
});

t.test('complementary suppression: a single hidden cell never comes back by subtraction from the total', async (t) => {
  const ctx = await setup(t, { territory: null });
  const serials = await allot(ctx, 13);
  const plan = [...Array(7).fill('demandeurs_emploi'), ...Array(5).fill('jeunes_16_25_insertion'), 'illettrisme'];
  for (const [i, publicCategory] of plan.entries()) await post(ctx.prescriber, '/api/v1/distributions', handout(serials[i]!, { publicCategory }));
  const stats = (await get(ctx.buyer, `/api/v1/orders/${ctx.order.id}/distribution-stats`)).json();
  const byPublic = Object.fromEntries(stats.byPublic.map((c: { key: string; count: number | null }) => [c.key, c.count]));
  t.same(byPublic, { demandeurs_emploi: null, jeunes_16_25_insertion: 5, illettrisme: null });
  t.equal(stats.priorityShare, 38.5, '5 priority, 8 others: both large enough to show the share');
});

t.test('no column in the database holds a beneficiary\'s name, contact details or birth date', async (t) => {
  const { db } = await buildTestApp(t);
  const tables = (db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'").all() as { name: string }[]).map((r) => r.name);
  const columnsOf = (table: string) => (db.$client.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
  // Nowhere: nothing about a beneficiary as a person, whatever the table.
  const beneficiary = /birth|naissance|born|beneficiar|gender|sexe|nir$|social_security/i;
  const everywhere = tables.flatMap((table) => columnsOf(table).filter((c) => beneficiary.test(c)).map((c) => `${table}.${c}`));
  t.same(everywhere, [], 'no birth date, gender or beneficiary column in any table');
  // The tables a distribution touches: not even a name, an e-mail, a phone or an address.
  const personal = /name|nom|first|last_name|email|mail|phone|tel|mobile|address|adresse|street|contact/i;
  const distributionTables = ['distributions', 'booklet_movements', 'booklet_movement_items', 'prescriber_designations', 'booklets', 'passes'];
  const found = distributionTables.flatMap((table) => columnsOf(table).filter((c) => personal.test(c)).map((c) => `${table}.${c}`));
  t.same(found, [], 'distribution tables hold no personal data');
  t.same(columnsOf('distributions').sort(), [
    'age_band',
    'booklet_id',
    'buyer_id',
    'commune_code',
    'distributed_at',
    'distributed_on',
    'id',
    'order_id',
    'prescriber_id',
    'public_category',
    'recorded_by_user_id',
  ], 'a distribution is a public category, a commune, an optional age band, a prescriber and a date');
});

// --- Pages ----------------------------------------------------------------------------------------

t.test('the distribution form works without JavaScript: a commune search step, then the choice; refusals in French', async (t) => {
  const ctx = await setup(t);
  const [a, b] = await allot(ctx, 2);
  const form = (fields: Record<string, string>) =>
    ctx.prescriber.inject({ method: 'POST', url: '/distribuer', payload: new URLSearchParams({ _csrf: ctx.prescriber.csrfToken, ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const page = await get(ctx.prescriber, `/distribuer?carnet=${a}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, new RegExp(`value="${a}"`), 'the serial from a scanned link is prefilled');
  const search = await form({ bookletSerial: a!, publicCategory: 'demandeurs_emploi', communeQuery: 'colomiers', action: 'rechercher' });
  t.equal(search.statusCode, 200);
  t.match(search.body, /name="communeCode" value="31149"/);
  t.match(search.body, /value="demandeurs_emploi" checked/, 'what was typed is kept');
  const outside = await form({ bookletSerial: a!, publicCategory: 'demandeurs_emploi', communeQuery: 'Bordeaux', communeCode: '33063', action: 'distribuer' });
  t.equal(outside.statusCode, 422);
  t.match(outside.body, /Bordeaux \(33063\) est hors du territoire de ce carnet : Département de la Haute-Garonne \(31\)/);
  const done = await form({ bookletSerial: a!, publicCategory: 'demandeurs_emploi', communeQuery: 'colomiers', communeCode: '31149', action: 'distribuer' });
  t.equal(done.statusCode, 303);
  const confirmation = await get(ctx.prescriber, done.headers.location as string);
  t.match(confirmation.body, new RegExp(`Carnet ${a} remis`));
  t.match(confirmation.body, /Ses 5 pass sont actifs/);
  // A postcode that names one commune needs no choice.
  const direct = await form({ bookletSerial: b!, publicCategory: 'demandeurs_emploi', communeQuery: '31770', action: 'distribuer' });
  t.equal(direct.statusCode, 303);
  t.equal(ctx.db.select().from(distributions).where(inArray(distributions.communeCode, ['31149'])).all().length, 2);
});

t.test('the buyer designates, allots and takes back booklets from its page; the prescriber sees its stock', async (t) => {
  const ctx = await setup(t);
  const form = (s: Session, url: string, fields: Record<string, string>) =>
    s.inject({ method: 'POST', url, payload: new URLSearchParams({ _csrf: s.csrfToken, ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const base = `/distribution/commandes/${ctx.order.id}`;
  t.equal((await form(ctx.buyer, `${base}/designer`, { prescriberId: ctx.world.prescriber.id })).statusCode, 303);
  const allotted = await form(ctx.buyer, `${base}/confier`, { prescriberId: ctx.world.prescriber.id, bookletCount: '4' });
  t.equal(allotted.statusCode, 303);
  t.match(allotted.headers.location, /message=confie&n=4/);
  const both = await form(ctx.buyer, `${base}/confier`, { prescriberId: ctx.world.prescriber.id, bookletCount: '1', bookletSerials: 'CD31-2026-000010' });
  t.equal(both.statusCode, 400, 'a count or serials, not both');
  t.equal((await form(ctx.buyer, `${base}/reprendre`, { prescriberId: ctx.world.prescriber.id, bookletCount: '1' })).statusCode, 303);
  const page = await get(ctx.buyer, base);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Mission locale de test/);
  t.match(page.body, /Confiés au prescripteur/);
  const stock = await get(ctx.prescriber, '/mon-stock');
  t.equal((stock.body.match(/data-serial/g) ?? []).length, 3);
  t.equal((await get(ctx.prescriber, '/tableau-de-bord')).statusCode, 200);
  t.equal((await get(ctx.buyer, '/distribution')).statusCode, 200);
  t.equal((await get(ctx.prescriber, '/distribution')).statusCode, 403);
});
