import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { orders } from '../../db/schema/orders.ts';
import { loginAs, type Session } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace } from '../helpers/fixtures.ts';
import { handedOutOrder, passCodesOf } from '../helpers/handed-out-order.ts';
import { formatPassCode, maskPassCode } from '../../server/modules/booklets/pass-code.ts';
import { lastAcceptedDay } from '../../server/modules/booklets/redeemability.ts';
import { formatFrenchDate } from '../../server/shared/paris-time.ts';

const get = (s: Session, url: string) => s.inject({ method: 'GET', url });

interface Record {
  serial: string;
  status: string;
  graceUntil: string;
  order: { reference: string; buyerName: string };
  history: { kind: string; label: string; by: string | null; details: string | null }[];
  usesShown: boolean;
  passes: { code: string; maskedCode: string; status: string; redemptions: { status: string; placeName: string; cancelledAt: string | null }[] }[];
}

/**
 * A funded order; 3 booklets allotted to the prescriber, the first handed out in Colomiers; two of
 * its passes redeemed at the EPN de Muret, the second of them cancelled by the place.
 */
async function redeemedBooklet(t: Test) {
  const ctx = await handedOutOrder(t, { allot: 3, handOut: 1 });
  ctx.db.update(orders).set({ territory: { departements: ['31'] } }).where(eq(orders.id, ctx.order.id)).run();
  const [handedOut, allotted] = ctx.serials as [string, string];
  const inStock = (await bookletsOf(ctx.db, ctx.order.id)).find((b) => !ctx.serials.includes(b.serial))!.serial;
  const codes = await passCodesOf(ctx.db, ctx.order.id, [handedOut]);
  const place = await createPlace(ctx.db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] });
  const agent = await loginAs(ctx.app, place.agent);
  t.equal((await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[0] } })).statusCode, 201);
  const second = await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[1] } });
  t.equal((await agent.inject({ method: 'DELETE', url: `/api/v1/redemptions/${second.json().id}` })).statusCode, 204);
  const operator = await loginAs(ctx.app, ctx.world.operatorAdmin);
  const otherBuyer = await loginAs(ctx.app, ctx.world.otherBuyerAdmin);
  const placeAdmin = await loginAs(ctx.app, ctx.world.placeAdmin);
  return { ...ctx, handedOut, allotted, inStock, codes, operator, otherBuyer, placeAdmin };
}

t.test('GET /api/v1/booklets/{serial}: status, order, validity with its grace period, history and passes with what became of them', async (t) => {
  const { buyer, prescriber, handedOut, codes, app, order } = await redeemedBooklet(t);
  const res = await get(buyer, `/api/v1/booklets/${handedOut}`);
  t.equal(res.statusCode, 200);
  const record = res.json() as Record;
  t.match(record, { serial: handedOut, status: 'started', order: { reference: order.reference, buyerName: 'Département de test' } });
  t.equal(record.graceUntil, lastAcceptedDay(order.validUntil, app.config.gracePeriodDays));
  t.same(record.history.map((e) => e.kind), ['issued', 'allotment', 'distribution'], 'oldest first');
  t.equal(record.history[1]!.label, 'Confié à Mission locale de test');
  t.match(record.history[2]!.details, /qu’en statistiques, à partir de 5 personnes/, 'the buyer does not see who received it, not even the public and commune');
  t.notMatch(JSON.stringify(record), 'Colomiers');
  t.equal(record.passes.length, codes.length);
  t.equal(record.passes[0]!.code, codes[0], 'the API keeps the full code for integrations');
  t.equal(record.passes[0]!.maskedCode, maskPassCode(codes[0]!));
  t.match(record.passes[0], { status: 'redeemed', redemptions: [] }, 'the buyer sees what became of a pass, not where nor when it served');
  t.match(record.passes[1], { status: 'active', redemptions: [] });
  t.equal(record.usesShown, false);
  t.notMatch(JSON.stringify(record), 'EPN de Muret', 'no place of use anywhere in the buyer’s record');

  const seen = (await get(prescriber, `/api/v1/booklets/${handedOut.toLowerCase()}`)).json() as Record;
  t.equal(seen.usesShown, true);
  t.match(seen.passes[0], { status: 'redeemed', redemptions: [{ status: 'live', placeName: 'EPN de Muret', cancelledAt: null }] }, 'the prescriber who handed it out sees where it served');
  t.match(seen.passes[1], { status: 'active', redemptions: [{ status: 'cancelled', placeName: 'EPN de Muret' }] }, 'a cancelled redemption stays in the record');
  t.match(seen.history[2]!.details, /Commune de résidence : Colomiers \(31\)/, 'the prescriber who recorded it sees public and commune');
  t.match(seen.history[2]!.details, /^Public : /);
});

t.test('a booklet is found only by those who may see it: buyer (its orders), prescriber (its stock), operator (all)', async (t) => {
  const { buyer, prescriber, operator, otherBuyer, placeAdmin, handedOut, allotted, inStock } = await redeemedBooklet(t);
  t.equal((await get(operator, `/api/v1/booklets/${handedOut}`)).statusCode, 200);
  t.equal((await get(buyer, `/api/v1/booklets/${inStock}`)).statusCode, 200);
  t.equal((await get(prescriber, `/api/v1/booklets/${allotted}`)).statusCode, 200);
  const stranger = await get(prescriber, `/api/v1/booklets/${inStock}`);
  t.equal(stranger.statusCode, 404, 'a prescriber does not see the buyer’s stock');
  t.equal(stranger.json().code, 'booklet_not_found');
  t.equal((await get(otherBuyer, `/api/v1/booklets/${handedOut}`)).statusCode, 404, 'another buyer’s booklet is a 404');
  t.equal((await get(placeAdmin, `/api/v1/booklets/${handedOut}`)).statusCode, 403);

  t.equal((await get(otherBuyer, `/carnets/${handedOut}`)).statusCode, 404, 'the page too');
  const search = await get(otherBuyer, `/carnets?serie=${handedOut}`);
  t.equal(search.statusCode, 404, 'and the search');
  t.match(search.body, `Aucun carnet n° ${handedOut} parmi ceux que vous pouvez consulter`);
  t.equal((await get(prescriber, `/carnets?serie=${inStock}`)).statusCode, 404);
  t.equal((await get(prescriber, `/carnets?serie=${allotted}`)).headers.location, `/carnets/${allotted}`);
  t.equal((await get(operator, `/carnets?serie=${inStock}`)).headers.location, `/carnets/${inStock}`);
});

t.test('the search finds a serial typed in lower case, with spaces, without dashes or as its QR code', async (t) => {
  const { buyer, handedOut } = await redeemedBooklet(t);
  const spaced = handedOut.toLowerCase().replaceAll('-', ' ');
  for (const typed of [handedOut, spaced, handedOut.replaceAll('-', ''), ` ${handedOut.toLowerCase()} `, `https://pass.example.gouv.fr/C/${handedOut}`]) {
    const res = await get(buyer, `/carnets?serie=${encodeURIComponent(typed)}`);
    t.equal(res.statusCode, 303, `« ${typed} »`);
    t.equal(res.headers.location, `/carnets/${handedOut}`);
  }
  const near = await get(buyer, `/carnets?serie=${encodeURIComponent(handedOut.slice(0, -1))}`);
  t.equal(near.statusCode, 404, 'exact: a digit short is not a match');
  t.match(near.body, /value="[^"]+"/, 'the search is kept');
  t.match(near.body, 'Carnet introuvable');
  const empty = await get(buyer, '/carnets');
  t.equal(empty.statusCode, 200);
  t.match(empty.body, 'Les carnets de vos commandes.');
  t.equal((await get(buyer, `/carnets/${handedOut.toLowerCase()}`)).headers.location, `/carnets/${handedOut}`, 'the page lives at the printed serial');
});

t.test('the booklets list of an order searches within the order', async (t) => {
  const { buyer, handedOut, order, db, clock, world } = await redeemedBooklet(t);
  const other = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1 });
  const elsewhere = (await bookletsOf(db, other.id))[0]!.serial;
  const found = await get(buyer, `/commandes/${order.id}/carnets?serie=${encodeURIComponent(handedOut.toLowerCase())}`);
  t.equal(found.statusCode, 303);
  t.equal(found.headers.location, `/carnets/${handedOut}`);
  const missing = await get(buyer, `/commandes/${order.id}/carnets?serie=${elsewhere}`);
  t.equal(missing.statusCode, 404, 'a booklet of another order is not in this one');
  t.match(missing.body, `Aucun carnet n° ${elsewhere} dans la commande ${order.reference}.`);
  t.match(missing.body, `value="${elsewhere}"`);
  const list = await get(buyer, `/commandes/${order.id}/carnets`);
  t.match(list.body, `<a href="/carnets/${handedOut}">${handedOut}</a>`, 'each serial leads to its page');
});

t.test('the booklet page shows history and passes in French, with masked codes only', async (t) => {
  const { buyer, prescriber, handedOut, codes, order, app } = await redeemedBooklet(t);
  const page = await get(buyer, `/carnets/${handedOut}`);
  t.equal(page.statusCode, 200);
  const html = page.body;
  t.match(html, `<h1>Carnet ${handedOut}</h1>`);
  t.match(html, `>${order.reference}</a> de Département de test`);
  t.match(html, 'Département de la Haute-Garonne (31)', 'the territory by name');
  t.match(html, `Délai de grâce jusqu’au ${formatFrenchDate(lastAcceptedDay(order.validUntil, app.config.gracePeriodDays))}`);
  t.match(html, 'Confié à Mission locale de test');
  t.match(html, 'Remis à un bénéficiaire par Mission locale de test');
  t.notMatch(html, 'EPN de Muret', 'the buyer does not see where each pass served…');
  t.match(html, `<a href="/commandes/${order.id}/utilisation">l’utilisation des pass de la commande ${order.reference}</a>`, '…and is sent to the masked figures instead');
  t.match(html, maskPassCode(codes[0]!));
  for (const code of codes) {
    t.notMatch(html, code, 'no full code');
    t.notMatch(html, formatPassCode(code), 'not even formatted');
  }
  t.notMatch(html, 'Colomiers');
  const prescriberPage = (await get(prescriber, `/carnets/${handedOut}`)).body;
  t.match(prescriberPage, 'Commune de résidence : Colomiers (31)');
  t.match(prescriberPage, /Encaissé le [^<]+ à EPN de Muret/);
  t.match(prescriberPage, /Encaissement du [^<]+ à EPN de Muret \([^)]+\) annulé le/);
  t.notMatch(prescriberPage, 'ne sont montrés au commanditaire qu’en statistiques, à partir de 5 personnes : voyez');
});
