import t from 'tap';
import { eq, sql } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { passes } from '../../db/schema/booklets.ts';

const post = (s: Session, url: string, payload: Record<string, unknown>) => s.inject({ method: 'POST', url, payload });

t.test('two exports a day apart give a closed month the same published figures, even after a cancellation', async (t) => {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id });
  const serials: string[] = (await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 3 })).json().serials;
  for (const serial of serials) t.equal((await post(prescriber, '/api/v1/distributions', { bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: '31149' })).statusCode, 201);
  const muret = await createPlace(ctx.db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] });
  const bordeaux = await createPlace(ctx.db, { name: 'Médiathèque de Bordeaux', sites: [{ communeCode: '33063' }] });
  const codes = (await bookletsOf(ctx.db, order.id)).filter((b) => serials.includes(b.serial)).flatMap((b) => ctx.db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, b.id)).all().map((p) => p.code));
  // Late on 30 November (Paris): the redemptions belong to November and may be cancelled until the next evening.
  ctx.clock.set('2026-11-30T21:30:00.000Z');
  const atMuret = await loginAs(ctx.app, muret.agent);
  const atBordeaux = await loginAs(ctx.app, bordeaux.agent);
  const redeemed: string[] = [];
  for (const code of codes.slice(0, 6)) redeemed.push((await post(atMuret, '/api/v1/redemptions', { code })).json().id);
  for (const code of codes.slice(6, 12)) {
    const res = await post(atBordeaux, '/api/v1/redemptions', { code });
    t.equal(res.statusCode, 201, res.body);
  }

  ctx.clock.set('2026-12-01T07:00:00.000Z');
  const first = (await ctx.app.inject({ method: 'GET', url: '/api/v1/public/statistics.json' })).json();
  const firstCsv = (await ctx.app.inject({ method: 'GET', url: '/api/v1/public/statistics.csv' })).body;
  const november = (stats: { national: { month: string; used: number }[] }) => stats.national.find((m) => m.month === '2026-11')!;
  t.equal(november(first).used, 12, 'November is published with its 12 uses');
  t.match(first.rows, [{ departement: '31', used: null }, { departement: '33', used: null }], 'with a zero cell (no use outside the two départements), 6 and 6 are hidden too');

  // One Muret redemption is cancelled the next morning: recomputed, Muret's 5 and the national 11 would show it.
  const muretAgain = await loginAs(ctx.app, muret.agent);
  t.equal((await muretAgain.inject({ method: 'DELETE', url: `/api/v1/redemptions/${redeemed[0]}` })).statusCode, 204);
  const live = ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM redemptions WHERE status = 'live' AND period = '2026-11'`)!;
  t.equal(live.n, 11, 'the ledger now has 11 November uses');

  ctx.clock.set('2026-12-02T07:00:00.000Z');
  const second = (await ctx.app.inject({ method: 'GET', url: '/api/v1/public/statistics.json' })).json();
  t.same(second.rows, first.rows, 'the next day, every published cell of November is the same');
  t.same(second.national, first.national, 'and so are the national totals');
  t.equal(november(second).used, 12, 'November stays at 12: a total moving by 1 would tell which masked cell lost a use');
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/v1/public/statistics.csv' })).body, firstCsv, 'the CSV is byte for byte the same');
  const stored = ctx.db.all<{ series: string; period: string }>(sql`SELECT series, period FROM published_statistics ORDER BY series`);
  t.same(stored, [{ series: 'distributed', period: '2026-11' }, { series: 'used', period: '2026-11' }], 'one stored publication per series and month');
  t.throws(() => ctx.db.$client.exec('DELETE FROM published_statistics'), /append-only/, 'the history cannot be rewritten');
});
