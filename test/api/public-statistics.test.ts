import t from 'tap';
import { sql } from 'drizzle-orm';
import { loginAs } from '../helpers/app.ts';
import { handedOutOrder, muretAndBordeaux, passCodesOf, post } from '../helpers/handed-out-order.ts';

t.test('public statistics are anonymous, by département and closed month, masked, and agree with the ledger', async (t) => {
  const ctx = await handedOutOrder(t, { allot: 4, handOut: 4 });
  const { order } = ctx;
  const { muret, bordeaux } = await muretAndBordeaux(ctx.db);
  const codes = await passCodesOf(ctx.db, order.id, ctx.serials.slice(0, 2));
  const atMuret = await loginAs(ctx.app, muret.agent);
  const atBordeaux = await loginAs(ctx.app, bordeaux.agent);
  for (const code of codes.slice(0, 6)) t.equal((await post(atMuret, '/api/v1/redemptions', { code })).statusCode, 201);
  for (const code of codes.slice(6, 8)) t.equal((await post(atBordeaux, '/api/v1/redemptions', { code })).statusCode, 201);

  const november = await ctx.app.inject({ method: 'GET', url: '/api/v1/public/statistics.json' });
  t.equal(november.statusCode, 200, 'anonymous');
  t.same(november.json().rows, [], 'November is not over: nothing published yet');

  ctx.clock.set('2026-12-05T09:00:00.000Z');
  const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/public/statistics.json' });
  const stats = res.json();
  t.equal(stats.lastMonth, '2026-11');
  t.ok(stats.methodology.length > 0, 'with its methodology note');
  const row = (dep: string) => stats.rows.find((r: { departement: string; month: string }) => r.departement === dep && r.month === '2026-11');
  t.match(row('31'), { departementName: 'Haute-Garonne', bought: 100, distributed: null }, 'Gironde’s 0 distributions would follow from 20 and the national total: both are hidden');
  t.match(row('31'), { used: null, masked: true, usedCents: null }, '6 uses in Haute-Garonne are hidden: with the national total they would give Gironde’s 2');
  t.match(row('33'), { used: null, masked: true });
  t.same(stats.labelledPlaces.map((p: { departement: string; count: number }) => [p.departement, p.count]), [['31', 1], ['33', 1]]);

  const ledger = ctx.db.get<{ cents: number; n: number }>(sql`
    SELECT coalesce(sum(l.debit_cents), 0) AS cents, count(*) AS n FROM journal_lines l
      JOIN ledger_accounts a ON a.id = l.account_id JOIN journal_entries e ON e.id = l.entry_id
     WHERE a.code = 'passes:outstanding' AND e.kind = 'redemption' AND substr(e.value_date, 1, 7) = '2026-11'`)!;
  const national = stats.national.find((m: { month: string }) => m.month === '2026-11');
  t.match(national, { bought: 100, distributed: 20, used: 8, usedCents: 8000, reimbursedCents: 0 });
  t.equal(national.usedCents, ledger.cents, 'the value used in November is the ledger’s');
  t.equal(national.used, ledger.n);

  const csv = await ctx.app.inject({ method: 'GET', url: '/api/v1/public/statistics.csv' });
  t.equal(csv.statusCode, 200);
  t.match(csv.body, /31;Haute-Garonne;2026-11;100;secret statistique;secret statistique;secret statistique;0,00;1/);
  t.notMatch(csv.body, /;6;/, 'no masked count in the file');
  const page = await ctx.app.inject({ method: 'GET', url: '/statistiques?departement=31' });
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Haute-Garonne (31)');
  t.match(page.body, 'Méthode');
});
