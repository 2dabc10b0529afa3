import type { Test } from 'tap';
import { buildTestApp, loginAs } from './app.ts';
import { bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedReference, seedWorld } from './fixtures.ts';

type OrderOptions = Partial<Parameters<typeof createApprovedOrder>[2]>;

/**
 * The start of the redemption tests: a funded order for the Haute-Garonne (31) — 3 booklets of 5
 * unless `order` says otherwise — its first booklet handed out, and a labelled place in Muret
 * (31395) whose agent is logged in. `app` goes to buildTestApp (a clock, a config, a file).
 */
export async function redemptionWorld(t: Test, options: { app?: Parameters<typeof buildTestApp>[1]; order?: OrderOptions } = {}) {
  const ctx = await buildTestApp(t, options.app);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, {
    buyer: world.buyerAdmin,
    operator: world.operatorAdmin,
    bookletCount: 3,
    passesPerBooklet: 5,
    territory: { departements: ['31'] },
    funded: true,
    ...options.order,
  });
  const orderBooklets = await bookletsOf(ctx.db, order.id);
  const codes = await handOutBooklet(ctx.db, orderBooklets[0]!.id);
  const place = await createPlace(ctx.db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] });
  const agent = await loginAs(ctx.app, place.agent);
  return { ...ctx, world, order, orderBooklets, codes, place, agent };
}
