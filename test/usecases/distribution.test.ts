/**
 * The distribution rules, through the use cases themselves (no HTTP): allotment to a designated
 * prescriber, the hand-out checks in the contract's order (stock, dates, public, territory),
 * activation under the funding gate, returns, blocking, and the J-15 blocking that stops hand-outs.
 * Routing, validation and authorisation stay in test/api/distribution.test.ts.
 */
import t from 'tap';
import { eq } from 'drizzle-orm';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { distributions } from '../../db/schema/distribution.ts';
import { allotBooklets, blockBooklet, designatePrescriber, distributeBooklet, returnBooklets, revokePrescriber } from '../../server/modules/distribution/distribution.service.ts';
import { recordMandate } from '../../server/modules/orders/orders.service.ts';
import { takeStep } from '../../server/modules/oversight/end-of-validity.service.ts';
import { actorOf, createApprovedOrder, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';

type OrderOptions = Partial<Parameters<typeof createApprovedOrder>[2]>;

async function world(t: Parameters<typeof createTestDb>[0], orderOptions: OrderOptions = {}) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const buyer = actorOf(db, cast.buyerAdmin);
  const prescriber = actorOf(db, cast.prescriberAdmin);
  const newOrder = (options: OrderOptions = {}) =>
    createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, funded: true, territory: { departements: ['31'] }, bookletCount: 4, ...orderOptions, ...options });
  const order = newOrder();
  /** Designates the prescriber (once) and allots it `count` booklets of the order; returns their serials. */
  const allot = (count: number, orderId = order.id) => {
    const designation = refusalOf(() => designatePrescriber({ db, clock, actor: buyer, orderId, prescriberId: cast.prescriber.id }));
    if (designation !== null && designation !== 'prescriber_already_designated') throw new Error(designation);
    return allotBooklets({ db, clock, actor: buyer, input: { orderId, prescriberId: cast.prescriber.id, bookletCount: count } }).serials;
  };
  const handOut = (serial: string, extra: { publicCategory?: string; communeCode?: string } = {}) =>
    distributeBooklet({ db, clock, actor: prescriber, input: { bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: '31149', ...extra } });
  const booklet = (serial: string) => db.select().from(booklets).where(eq(booklets.serial, serial)).get()!;
  const passStatuses = (serial: string) =>
    db.select({ status: passes.status }).from(passes).where(eq(passes.bookletId, booklet(serial).id)).orderBy(passes.position).all().map((p) => p.status);
  return { db, clock, cast, buyer, prescriber, order, newOrder, allot, handOut, booklet, passStatuses };
}

t.test('allotment by count takes the lowest serials in stock, and only to a designated prescriber', async (t) => {
  const { db, clock, cast, buyer, order, allot, booklet } = await world(t);
  t.equal(refusalOf(() => allotBooklets({ db, clock, actor: buyer, input: { orderId: order.id, prescriberId: cast.prescriber.id, bookletCount: 1 } })), 'prescriber_not_designated');
  const serials = allot(2);
  t.same(serials.map((s) => booklet(s).position), [1, 2]);
  t.ok(serials.every((s) => booklet(s).status === 'allotted' && booklet(s).holderId === cast.prescriber.id));
  t.equal(refusalOf(() => allot(3)), 'not_enough_stock', 'two left in stock, three asked');
  t.equal(db.select().from(booklets).where(eq(booklets.status, 'in_stock')).all().length, 2, 'a refused allotment moves nothing');
});

t.test('a hand-out records the public and commune, and activates the passes of a funded order', async (t) => {
  const { db, allot, handOut, passStatuses } = await world(t);
  const [serial] = allot(1);
  const result = handOut(serial!, { communeCode: '31149' });
  t.match(result, { bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: '31149', communeName: 'Colomiers', distributedOn: '2026-11-25', passCount: 5, passesActive: true });
  t.same(passStatuses(serial!), ['active', 'active', 'active', 'active', 'active']);
  t.equal(db.select().from(distributions).all().length, 1);
  t.equal(refusalOf(() => handOut(serial!)), 'booklet_already_distributed', 'one booklet, one beneficiary');
});

t.test('passes handed out before funding stay issued and activate when the funding gate opens', async (t) => {
  const { db, clock, buyer, order, allot, handOut, passStatuses } = await world(t, { funded: false });
  const [serial] = allot(1);
  t.equal(handOut(serial!).passesActive, false);
  t.same(passStatuses(serial!), ['issued', 'issued', 'issued', 'issued', 'issued']);
  recordMandate({ db, clock, actor: buyer, orderId: order.id, mandateNumber: 'MDT-31' });
  t.same(passStatuses(serial!), ['active', 'active', 'active', 'active', 'active']);
});

t.test('order dates: not valid before validFrom, expired after validUntil, both in Paris days', async (t) => {
  const { clock, allot, handOut } = await world(t, { validFrom: '2027-01-01', validUntil: '2027-06-30' });
  const [a, b] = allot(2);
  clock.set('2026-12-31T22:30:00Z'); // 23:30 in Paris, still 31 December
  t.equal(refusalOf(() => handOut(a!)), 'order_not_valid_yet');
  clock.set('2026-12-31T23:30:00Z'); // 00:30 in Paris on 1 January
  t.equal(refusalOf(() => handOut(a!)), null, 'the first Paris day of validity');
  clock.set('2027-06-30T22:00:00Z'); // midnight in Paris: 1 July
  t.equal(refusalOf(() => handOut(b!)), 'order_expired');
  clock.set('2027-06-30T21:59:00Z'); // 23:59 in Paris, the last day
  t.equal(refusalOf(() => handOut(b!)), null);
});

t.test('eligibility by public: only the order’s publics, and null publics accept every category', async (t) => {
  const { allot, handOut, newOrder } = await world(t, { publics: ['jeunes_16_25_insertion', 'decrocheurs_peu_qualifies'] });
  const [a] = allot(1);
  let message = '';
  try {
    handOut(a!, { publicCategory: 'seniors_60_plus' });
  } catch (error) {
    message = (error as Error).message;
  }
  t.match(message, /« Personnes de 60 ans et plus ».*Jeunes de 16 à 25 ans en parcours d’insertion/, 'the refusal names the public and the eligible ones');
  t.equal(refusalOf(() => handOut(a!, { publicCategory: 'jeunes_16_25_insertion' })), null);
  const open = newOrder({ publics: null, territory: null, bookletCount: 1 });
  const [c] = allot(1, open.id);
  t.equal(refusalOf(() => handOut(c!, { publicCategory: 'illettrisme', communeCode: '2A004' })), null, 'null publics and null territory: anyone, anywhere');
});

t.test('eligibility by territory: département, EPCI, commune, and a Lyon arrondissement inside Lyon', async (t) => {
  const { db, allot, handOut, newOrder } = await world(t);
  const cases = [
    { territory: { departements: ['31'] }, accepted: '31483', refused: '33063' }, // Saint-Gaudens / Bordeaux
    { territory: { epcis: ['243100518'] }, accepted: '31149', refused: '31395' }, // Toulouse Métropole: Colomiers / Muret
    { territory: { communes: ['31555'] }, accepted: '31555', refused: '31149' }, // Toulouse only
    { territory: { communes: ['69123'] }, accepted: '69383', refused: '69266' }, // Lyon: its 3rd arrondissement / Villeurbanne
  ];
  for (const c of cases) {
    const order = newOrder({ territory: c.territory, bookletCount: 1 });
    const [serial] = allot(1, order.id);
    t.equal(refusalOf(() => handOut(serial!, { communeCode: c.refused })), 'territory_not_eligible', `${c.refused} outside ${JSON.stringify(c.territory)}`);
    t.equal(refusalOf(() => handOut(serial!, { communeCode: c.accepted })), null, `${c.accepted} inside ${JSON.stringify(c.territory)}`);
  }
  t.same(db.select({ commune: distributions.communeCode }).from(distributions).all().map((d) => d.commune).sort(), ['31149', '31483', '31555', '69383'], 'no refused hand-out stored');
});

t.test('the hand-out checks run in the contract’s order', async (t) => {
  const { clock, allot, handOut } = await world(t, { publics: ['seniors_60_plus'], validFrom: '2027-01-01', validUntil: '2027-03-31' });
  const [serial] = allot(1);
  const everythingWrong = { publicCategory: 'demandeurs_emploi', communeCode: '33063' };
  t.equal(refusalOf(() => handOut('CD31-2026-999999', everythingWrong)), 'booklet_not_in_your_stock');
  t.equal(refusalOf(() => handOut(serial!, everythingWrong)), 'order_not_valid_yet');
  clock.set('2027-04-01T10:00:00Z');
  t.equal(refusalOf(() => handOut(serial!, everythingWrong)), 'order_expired');
  clock.set('2027-02-01T10:00:00Z');
  t.equal(refusalOf(() => handOut(serial!, everythingWrong)), 'public_not_eligible');
  t.equal(refusalOf(() => handOut(serial!, { ...everythingWrong, publicCategory: 'seniors_60_plus' })), 'territory_not_eligible');
});

t.test('a booklet still in the buyer’s stock is not the prescriber’s to hand out', async (t) => {
  const { order, handOut, db } = await world(t);
  const inStock = db.select().from(booklets).where(eq(booklets.orderId, order.id)).orderBy(booklets.position).get()!;
  t.equal(refusalOf(() => handOut(inStock.serial)), 'booklet_not_in_your_stock');
});

t.test('returns take back only undistributed booklets, highest serials first', async (t) => {
  const { db, clock, cast, buyer, prescriber, order, allot, handOut, booklet } = await world(t);
  const [first, second, third] = allot(3);
  handOut(first!);
  const back = returnBooklets({ db, clock, actor: prescriber, input: { orderId: order.id, bookletCount: 1 } });
  t.same(back.serials, [third], 'the highest serial goes back first');
  t.equal(booklet(third!).status, 'in_stock');
  t.equal(booklet(third!).holderId, cast.buyer.id);
  t.equal(refusalOf(() => returnBooklets({ db, clock, actor: buyer, input: { orderId: order.id, prescriberId: cast.prescriber.id, bookletSerials: [first!] } })), 'booklet_not_returnable');
  t.equal(refusalOf(() => returnBooklets({ db, clock, actor: buyer, input: { orderId: order.id, prescriberId: cast.prescriber.id, bookletCount: 2 } })), 'not_enough_stock');
  t.equal(booklet(second!).status, 'allotted', 'a refused return moves nothing');
});

t.test('a revoked prescriber’s undistributed booklets return to stock and it can no longer hand out', async (t) => {
  const { db, clock, cast, buyer, order, allot, handOut, booklet } = await world(t);
  const [a, b] = allot(2);
  handOut(a!);
  t.equal(revokePrescriber({ db, clock, actor: buyer, orderId: order.id, prescriberId: cast.prescriber.id }).returnedBooklets, 1);
  t.equal(booklet(b!).status, 'in_stock');
  t.equal(booklet(a!).status, 'distributed', 'what was handed out stays handed out');
});

t.test('blocking: unredeemed passes become blocked, redeemed ones stay; a blocked booklet is not handed out', async (t) => {
  const { db, clock, buyer, prescriber, order, allot, handOut, booklet, passStatuses } = await world(t);
  const [handedOut, held] = allot(2);
  handOut(handedOut!);
  const firstPass = db.select().from(passes).where(eq(passes.bookletId, booklet(handedOut!).id)).orderBy(passes.position).get()!;
  db.update(passes).set({ status: 'redeemed' }).where(eq(passes.id, firstPass.id)).run();
  const blocked = blockBooklet({ db, clock, actor: prescriber, serial: handedOut!, reason: 'stolen' });
  t.same(blocked, { serial: handedOut, status: 'blocked', previousStatus: 'distributed', reason: 'stolen', blockedPassCount: 4 });
  t.same(passStatuses(handedOut!), ['redeemed', 'blocked', 'blocked', 'blocked', 'blocked']);
  t.equal(refusalOf(() => blockBooklet({ db, clock, actor: buyer, serial: handedOut!, reason: 'lost' })), 'booklet_already_blocked');
  const inStock = db.select().from(booklets).where(eq(booklets.orderId, order.id)).orderBy(booklets.position).all().at(-1)!;
  t.equal(refusalOf(() => blockBooklet({ db, clock, actor: prescriber, serial: inStock.serial, reason: 'lost' })), 'booklet_not_found', 'a booklet the prescriber does not hold');
  t.equal(blockBooklet({ db, clock, actor: buyer, serial: inStock.serial, reason: 'lost' }).blockedPassCount, 5, 'the buyer blocks its stock');
  blockBooklet({ db, clock, actor: prescriber, serial: held!, reason: 'lost' });
  t.equal(refusalOf(() => handOut(held!)), 'booklet_not_in_your_stock');
});

t.test('from J-15 the buyer’s blocking approval stops every hand-out of the order', async (t) => {
  const { db, clock, buyer, order, allot, handOut } = await world(t, { validFrom: '2026-11-01', validUntil: '2026-12-31' });
  const [a, b] = allot(2);
  handOut(a!);
  const step = () => takeStep({ db, clock, gracePeriodDays: 31, actor: buyer, orderId: order.id, step: 'blocking_approved' });
  t.equal(refusalOf(step), 'step_not_open_yet', 'J-36 is too early');
  t.equal(refusalOf(() => handOut(b!)), null, 'before the blocking, hand-outs go on');
  const [c] = allot(1);
  clock.set('2026-12-17T09:00:00Z'); // J-14
  t.match(step(), { blocked: true, unhandedBooklets: { count: 2, passCount: 10, amountCents: 10_000 } });
  t.equal(refusalOf(() => handOut(c!)), 'order_blocked_end_of_validity');
  t.equal(db.select().from(distributions).all().length, 2);
});
