import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { runsOf } from '../../server/modules/jobs/scheduler.repository.ts';

/** Two service processes on one database file, each with its own connection, scheduler and clock. */
async function twoInstances(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'pn-scheduler-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const databasePath = join(dir, 'passnum.sqlite');
  const a = await buildTestApp(t, { databasePath });
  const b = await buildTestApp(t, { databasePath });
  const runs: string[] = [];
  for (const [name, app] of [['a', a.app], ['b', b.app]] as const) {
    app.scheduler.register({ name: 'counting', cron: '30 2 * * *', run: () => (runs.push(name), `run by ${name}`) });
  }
  const setBoth = (instant: string) => {
    a.clock.set(instant);
    b.clock.set(instant);
  };
  return { a, b, runs, setBoth };
}

t.test('two processes on one database run each occurrence of a scheduled task once', async (t) => {
  const { a, b, runs, setBoth } = await twoInstances(t);
  t.same(await Promise.all([a.app.scheduler.tick(), b.app.scheduler.tick()]), [[], []], 'nothing is due at start-up');
  // 02:31 in Paris on 26 November is 01:31 UTC (winter time).
  setBoth('2026-11-26T01:31:00.000Z');
  const [ranA, ranB] = await Promise.all([a.app.scheduler.tick(), b.app.scheduler.tick()]);
  t.equal(runs.length, 1, `the task ran once (${runs.join(', ')})`);
  t.equal([...ranA, ...ranB].filter((name) => name === 'counting').length, 1);
  t.equal([...ranA, ...ranB].filter((name) => name === 'expiry').length, 1, 'so did the built-in daily expiry');
  t.same(await Promise.all([a.app.scheduler.tick(), b.app.scheduler.tick()]), [[], []], 'ticking again the same night runs nothing');
  const [run] = runsOf(a.db, 'counting');
  t.match(run, { slot: '2026-11-26T01:30:00.000Z', outcome: 'ok', detail: /^run by [ab]$/ });

  // Down for three nights: the missed occurrences give one run, not three.
  setBoth('2026-11-30T09:00:00.000Z');
  await Promise.all([a.app.scheduler.tick(), b.app.scheduler.tick()]);
  t.equal(runs.length, 2);
  t.equal(runsOf(b.db, 'counting').at(-1)!.slot, '2026-11-30T01:30:00.000Z', 'the latest missed occurrence');
});

t.test('the cron expression is read in Paris time, summer and winter', async (t) => {
  const { a, runs } = await twoInstances(t);
  a.clock.set('2027-06-01T00:29:00.000Z');
  await a.app.scheduler.tick();
  runs.length = 0;
  a.clock.set('2027-06-01T00:31:00.000Z'); // 02:31 in Paris, summer time (UTC+2)
  await a.app.scheduler.tick();
  t.equal(runs.length, 1);
  t.equal(runsOf(a.db, 'counting').at(-1)!.slot, '2027-06-01T00:30:00.000Z');
});

t.test('a failing task is logged with its outcome, and the operator sees every task’s last run and next run', async (t) => {
  const ctx = await buildTestApp(t);
  ctx.app.scheduler.register({
    name: 'failing',
    cron: '0 4 * * *',
    run: () => {
      throw new Error('le serveur de messagerie ne répond pas');
    },
  });
  ctx.clock.set('2026-11-26T03:01:00.000Z');
  await ctx.app.scheduler.tick();
  t.match(runsOf(ctx.db, 'failing'), [{ outcome: 'failed', detail: 'le serveur de messagerie ne répond pas' }]);
  const world = await seedWorld(ctx.db);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const page = await operator.inject({ method: 'GET', url: '/exploitation/taches' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /Fin de validité des commandes et avoirs/);
  t.match(page.body, /Échec<\/span> le serveur de messagerie ne répond pas/);
  t.match(page.body, /Réussie<\/span> 0 commande en fin de validité, 0 pass expiré/);
  t.match(page.body, /<td[^>]*>27\/11\/2026 02:30<\/td>/, 'next runs are shown, in Paris time');
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/exploitation/taches' })).statusCode, 403);
});
