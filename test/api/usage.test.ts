import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { loginAs } from '../helpers/app.ts';
import { appWithWorld, get, post } from '../helpers/api.ts';
import { bookletsOf, createApprovedOrder, createPlace } from '../helpers/fixtures.ts';
import { passes } from '../../db/schema/booklets.ts';
import { placeSites } from '../../db/schema/places.ts';

const WORKSHOP = 'Maîtrise des outils numériques du quotidien';
const PAPERWORK = 'Aide aux démarches administratives';


/**
 * An order of 20 booklets of 5 passes for the Haute-Garonne; 12 booklets allotted to the Mission
 * locale, 10 handed out (8 to job seekers, 2 to seniors); 7 passes used for workshops in November,
 * 6 for paperwork in December, one of them then cancelled, at the EPN de Muret.
 */
async function setup(t: Test) {
  const { world, ...ctx } = await appWithWorld(t);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, territory: { departements: ['31'] } });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id })).statusCode, 201);
  const allotted = await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 12 });
  const serials: string[] = allotted.json().serials;
  for (const [i, serial] of serials.slice(0, 10).entries()) {
    const publicCategory = i < 8 ? 'demandeurs_emploi' : 'seniors_60_plus';
    const res = await post(prescriber, '/api/v1/distributions', { bookletSerial: serial, publicCategory, communeCode: '31149' });
    t.equal(res.statusCode, 201, res.body);
  }
  const place = await createPlace(ctx.db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] });
  ctx.db.update(placeSites).set({ services: [WORKSHOP, PAPERWORK] }).where(eq(placeSites.id, place.siteIds[0]!)).run();
  const booklets = await bookletsOf(ctx.db, order.id);
  const codes = booklets
    .slice(0, 3)
    .flatMap((b) => ctx.db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, b.id)).orderBy(passes.position).all().map((p) => p.code));
  let agent = await loginAs(ctx.app, place.agent);
  for (const code of codes.slice(0, 7)) t.equal((await post(agent, '/api/v1/redemptions', { code, service: WORKSHOP })).statusCode, 201);
  ctx.clock.set('2026-12-03T10:00:00.000Z');
  agent = await loginAs(ctx.app, place.agent);
  const december = [];
  for (const code of codes.slice(7, 13)) december.push((await post(agent, '/api/v1/redemptions', { code, service: PAPERWORK })).json().id as string);
  t.equal((await agent.inject({ method: 'DELETE', url: `/api/v1/redemptions/${december[0]}` })).statusCode, 204, 'one December redemption taken back');
  return { ...ctx, world, order, place };
}

/** From 2 January (Paris) December is settled: buyers see figures as of its end. */
async function inJanuary(t: Test) {
  const ctx = await setup(t);
  ctx.clock.set('2027-01-04T09:00:00.000Z');
  return { ...ctx, buyer: await loginAs(ctx.app, ctx.world.buyerAdmin) };
}

/** What the ledger says the order's passes paid out to places: redemption entries net of their reversals. */
function ledgerUsedCents(db: Awaited<ReturnType<typeof setup>>['db'], orderId: string): number {
  return db.get<{ cents: number }>(sql`
    SELECT coalesce(sum(l.debit_cents) - sum(l.credit_cents), 0) AS cents
      FROM journal_lines l JOIN ledger_accounts a ON a.id = l.account_id
     WHERE a.code = 'passes:outstanding'
       AND l.entry_id IN (SELECT r.journal_entry_id FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.order_id = ${orderId}
                          UNION ALL
                          SELECT r.cancel_journal_entry_id FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.order_id = ${orderId})`)!.cents;
}

t.test('a buyer sees where, when and for what its passes went, small counts masked so that none can be worked back', async (t) => {
  const ctx = await inJanuary(t);
  const res = await get(ctx.buyer, `/api/v1/orders/${ctx.order.id}/usage`);
  t.equal(res.statusCode, 200, res.body);
  const u = res.json();
  t.match(u, { bought: 100, distributed: 50, used: 12, expired: 0, usedCents: 12_000, usageRate: 24, smallCellThreshold: 5, figuresAsOf: '2026-12' });
  t.equal(u.usedCents, ledgerUsedCents(ctx.db, ctx.order.id), 'the used value is the ledger’s as of the end of December, cancellation included');

  const months = Object.fromEntries(u.byMonth.map((c: { key: string; count: number | null }) => [c.key, c.count]));
  t.same(months, { '2026-11': 7, '2026-12': 5 }, 'one row per month of validity so far, in Paris time');
  const services = Object.fromEntries(u.byService.map((c: { key: string; count: number | null; masked: boolean }) => [c.key, c.count]));
  t.equal(services[PAPERWORK], 5);
  t.equal(services[WORKSHOP], null, 'the 7 workshops are hidden: else the total would give back the zeros of the other services');
  t.ok(u.byService.filter((c: { masked: boolean }) => c.masked).length >= 2);
  t.ok(u.byService.every((c: { count: number | null; masked: boolean }) => (c.count === null) === c.masked));

  t.match(u.byPlace, [{ placeName: 'EPN de Muret', communeName: 'Muret', epciName: String, count: 12, masked: false }], 'the only place receiving passes, with its commune and EPCI');
  t.ok(u.byPublic.every((c: { masked: boolean }) => c.masked), 'all uses went to one public: showing it would give every other public away');
  t.match(u.byPrescriber, [{ prescriberName: 'Mission locale de test', heldBooklets: 2, distributedBooklets: 10, sleepingBooklets: 7, usedPasses: 12 }]);
  const bands = Object.fromEntries(u.handOutToFirstUse.map((c: { key: string; count: number | null }) => [c.key, c.count]));
  t.equal(Object.values(bands).filter((v) => v === null).length, 4, '2 booklets first used the same day, 1 after 8 days: every band of started booklets is masked together');
  t.notOk('not_used' in bands, 'booklets not started are in no band (that count would fall as they start): they are the dormant ones, by prescriber');
  t.equal(u.dormantAfterDays, 30);

  const operator = await loginAs(ctx.app, ctx.world.operatorAdmin);
  const exact = (await get(operator, `/api/v1/orders/${ctx.order.id}/usage`)).json();
  t.equal(exact.smallCellThreshold, 0);
  t.equal(exact.byService.find((c: { key: string }) => c.key === WORKSHOP).count, 7, 'the operator sees exact counts');
  t.same(Object.fromEntries(exact.handOutToFirstUse.map((c: { key: string; count: number }) => [c.key, c.count])), { within_7_days: 2, within_30_days: 1, within_90_days: 0, later: 0 });
  t.equal(exact.byPrescriber[0].sleepingBooklets, 7, 'live: the 7 booklets handed out on 25 November and unused are dormant since 25 December');
});

t.test('usage is the buyer’s own: another buyer gets a 404, a prescriber a 403; all orders together, and CSV exports', async (t) => {
  const ctx = await inJanuary(t);
  const other = await loginAs(ctx.app, ctx.world.otherBuyerAdmin);
  t.equal((await get(other, `/api/v1/orders/${ctx.order.id}/usage`)).statusCode, 404);
  t.equal((await get(other, `/api/v1/orders/${ctx.order.id}/usage.csv`)).statusCode, 404);
  t.equal((await get(other, '/api/v1/usage')).json().used, 0, 'the other buyer’s own usage counts none of these passes');
  const prescriber = await loginAs(ctx.app, ctx.world.prescriberAdmin);
  t.equal((await get(prescriber, `/api/v1/orders/${ctx.order.id}/usage`)).statusCode, 403);

  const all = (await get(ctx.buyer, '/api/v1/usage')).json();
  t.match(all, { orderId: null, bought: 100, used: 12 });
  const csv = await get(ctx.buyer, `/api/v1/orders/${ctx.order.id}/usage.csv`);
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, `service;${WORKSHOP};${WORKSHOP};secret statistique`);
  t.match(csv.body, `service;${PAPERWORK};${PAPERWORK};5`);
  t.notMatch(csv.body, `;${WORKSHOP};7`);

  const page = await get(ctx.buyer, `/commandes/${ctx.order.id}/utilisation`);
  t.equal(page.statusCode, 200);
  t.match(page.body, '<svg');
  t.match(page.body, 'EPN de Muret');
  t.match(page.body, 'secret statistique');
  t.notMatch(page.body, '&lt; 5');
  t.equal((await get(ctx.buyer, '/utilisation')).statusCode, 200);
});

t.test('two exports at different times: a month is published once and kept, masked cells stay masked, small moves publish nothing', async (t) => {
  const ctx = await setup(t);
  let buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  const usage = async () => (await get(buyer, `/api/v1/orders/${ctx.order.id}/usage`)).json();
  const services = (u: { byService: { key: string; count: number | null; masked: boolean }[] }) => Object.fromEntries(u.byService.map((c) => [c.key, c.count]));

  // 3 December: November is settled (its last uses could be taken back until 2 December).
  const november = await usage();
  t.match(november, { figuresAsOf: '2026-11', used: 7, distributed: 50 });
  t.same(november.byMonth.map((c: { key: string }) => c.key), ['2026-11'], 'no month after the snapshot’s');
  t.ok(november.byService.every((c: { count: number | null; masked: boolean }) => c.count === null && c.masked), 'the 7 workshops hide behind the zeros of every other service');
  t.match((await get(buyer, `/api/v1/orders/${ctx.order.id}/usage.csv`)).body, `service;${WORKSHOP};${WORKSHOP};secret statistique`);
  t.same(await usage(), november, 'a second export the same day is the same publication, although December already has 5 uses');

  // 4 January: December (5 uses, the cancelled one left out) is settled and published.
  ctx.clock.set('2027-01-04T09:00:00.000Z');
  buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  const december = await usage();
  t.match(december, { figuresAsOf: '2026-12', used: 12 });
  t.same(
    december.byMonth.map((c: { key: string; count: number | null }) => [c.key, c.count]),
    [
      ['2026-11', 7],
      ['2026-12', 5],
    ],
  );
  t.equal(services(december)[PAPERWORK], null, 'the hidden cells grew by 5, yet the paperwork cell stays hidden: a hidden cell stays hidden in every later snapshot');
  t.equal(services(december)[WORKSHOP], null, 'the workshops stay hidden: the zeros still need a complement');
  t.equal(december.byService.filter((c: { masked: boolean }) => !c.masked).length, 0, 'no service is shown alone');
  t.equal(december.usedCents, ledgerUsedCents(ctx.db, ctx.order.id), 'the used value is the ledger’s');

  // Three January uses: the total would move by 3, so February keeps December's snapshot.
  const booklets = await bookletsOf(ctx.db, ctx.order.id);
  const codes = ctx.db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, booklets[3]!.id)).all().map((p) => p.code);
  const agent = await loginAs(ctx.app, ctx.place.agent);
  for (const code of codes.slice(0, 3)) t.equal((await post(agent, '/api/v1/redemptions', { code, service: WORKSHOP })).statusCode, 201);
  ctx.clock.set('2027-02-03T09:00:00.000Z');
  buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  t.same(await usage(), december, 'in February the export is still December’s, to the byte: January’s 3 uses would be a small count');
  const operator = await loginAs(ctx.app, ctx.world.operatorAdmin);
  t.match((await get(operator, `/api/v1/orders/${ctx.order.id}/usage`)).json(), { figuresAsOf: null, used: 15 }, 'the operator sees today’s exact figures');

  const stored = ctx.db.all<{ scope: string; period: string }>(sql`SELECT scope, period FROM usage_snapshots ORDER BY period`);
  t.same(stored, [
    { scope: `order:${ctx.order.id}`, period: '2026-11' },
    { scope: `order:${ctx.order.id}`, period: '2026-12' },
  ]);
  t.throws(() => ctx.db.$client.exec('UPDATE usage_snapshots SET period = period'), /append-only/, 'a published snapshot cannot be rewritten');
});

t.test('all orders together: a cell masked in one order is masked in the total, so that no order’s masked cell comes back by difference', async (t) => {
  const ctx = await setup(t);
  // A second order of the same buyer: 6 workshops (shown in its own dashboard) and 10 paperwork
  // uses (hidden there, the complement of its zeros), in December.
  const second = createApprovedOrder(ctx.db, ctx.clock, { buyer: ctx.world.buyerAdmin, operator: ctx.world.operatorAdmin, funded: true, territory: { departements: ['31'] } });
  let buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${second.id}/prescribers`, { prescriberId: ctx.world.prescriber.id })).statusCode, 201);
  const allotted = await post(buyer, '/api/v1/allotments', { orderId: second.id, prescriberId: ctx.world.prescriber.id, bookletCount: 4 });
  const prescriber = await loginAs(ctx.app, ctx.world.prescriberAdmin);
  for (const serial of allotted.json().serials as string[]) {
    t.equal((await post(prescriber, '/api/v1/distributions', { bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: '31149' })).statusCode, 201);
  }
  const booklets = (await bookletsOf(ctx.db, second.id)).slice(0, 4);
  const codes = booklets.flatMap((b) => ctx.db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, b.id)).orderBy(passes.position).all().map((p) => p.code));
  const agent = await loginAs(ctx.app, ctx.place.agent);
  for (const [i, code] of codes.slice(0, 16).entries()) t.equal((await post(agent, '/api/v1/redemptions', { code, service: i < 6 ? WORKSHOP : PAPERWORK })).statusCode, 201);

  ctx.clock.set('2027-01-04T09:00:00.000Z');
  buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  const services = (u: { byService: { key: string; count: number | null }[] }) => Object.fromEntries(u.byService.map((c) => [c.key, c.count]));
  const first = services((await get(buyer, `/api/v1/orders/${ctx.order.id}/usage`)).json());
  const other = services((await get(buyer, `/api/v1/orders/${second.id}/usage`)).json());
  t.equal(first[WORKSHOP], null, 'the first order masks its 7 workshops');
  t.equal(other[WORKSHOP], 6, 'the second shows its 6');
  t.equal(other[PAPERWORK], null, 'and masks its 10 paperwork uses');

  const all = (await get(buyer, '/api/v1/usage')).json();
  t.match(all, { used: 28, figuresAsOf: '2026-12' });
  const together = services(all);
  // Masked on its own terms the total would hide its largest cell (15 paperwork uses) and show the
  // 13 workshops: 13 − 6 gives the first order's masked 7 back.
  t.equal(together[WORKSHOP], null, 'the workshops are masked in the total, being masked in the first order');
  t.equal(together[PAPERWORK], null, 'and the paperwork, masked in the second');
  t.ok(all.byMonth.every((m: { count: number | null }) => m.count === null), 'a month masked in one order is masked in the total');
  t.match(all.byPlace, [{ placeName: 'EPN de Muret', count: 28, masked: false }], 'a cell shown in every order is shown, as their sum');
  t.equal(all.distributed, 70, 'the distributions of both orders');
  const page = await get(buyer, '/utilisation');
  t.match(page.body, 'un chiffre masqué dans une commande l’est aussi dans le total', 'the page says how the total is masked');
  t.notMatch((await get(buyer, `/commandes/${second.id}/utilisation`)).body, 'l’est aussi dans le total', 'an order’s own page does not');
});
