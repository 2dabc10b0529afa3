import t from 'tap';
import { sql } from 'drizzle-orm';
import { loginAs } from '../helpers/app.ts';
import { handedOutOrder, muretAndBordeaux, passCodesOf, post } from '../helpers/handed-out-order.ts';

t.test('two exports a day apart give a closed month the same published figures, even after a cancellation', async (t) => {
  const ctx = await handedOutOrder(t, { allot: 3, handOut: 3 });
  const { muret, bordeaux } = await muretAndBordeaux(ctx.db);
  const codes = await passCodesOf(ctx.db, ctx.order.id, ctx.serials);
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
