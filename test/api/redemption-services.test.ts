import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { passes } from '../../db/schema/booklets.ts';
import { placeSites } from '../../db/schema/places.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import { formatPassCode } from '../../server/modules/booklets/pass-code.ts';

const WORKSHOP = 'Maîtrise des outils numériques du quotidien';
const PAPERWORK = 'Aide aux démarches administratives';
const EQUIPMENT = 'Accès internet et matériel informatique';

/** A funded order (optionally restricted to some services), one booklet handed out, a place whose site offers two services. */
async function setup(t: Test, allowedServices?: string[]) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, funded: true, allowedServices });
  const [first] = await bookletsOf(ctx.db, order.id);
  const codes = await handOutBooklet(ctx.db, first!.id);
  const place = await createPlace(ctx.db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] });
  ctx.db.update(placeSites).set({ services: [WORKSHOP, PAPERWORK] }).where(eq(placeSites.id, place.siteIds[0]!)).run();
  const agent = await loginAs(ctx.app, place.agent);
  return { ...ctx, world, order, codes, place, agent };
}

const redeem = (s: Session, body: Record<string, unknown>) => s.inject({ method: 'POST', url: '/api/v1/redemptions', payload: body });
const statusOf = (db: Awaited<ReturnType<typeof setup>>['db'], code: string) => db.select().from(passes).where(eq(passes.code, code)).get()!.status;

t.test('a place is paid only for the services of its catalogue: another service is refused and nothing is written', async (t) => {
  const { agent, codes, db } = await setup(t);
  const refused = await redeem(agent, { code: codes[0], service: EQUIPMENT });
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'service_not_offered');
  t.match(refused.json().detail, EQUIPMENT, 'the refusal names the service');
  t.equal(statusOf(db, codes[0]!), 'active', 'the pass stays usable');
  t.equal(db.select().from(redemptions).all().length, 0);

  const accepted = await redeem(agent, { code: codes[0], service: PAPERWORK });
  t.equal(accepted.statusCode, 201);
  t.equal(accepted.json().service, PAPERWORK);
  t.equal((await redeem(agent, { code: codes[1] })).statusCode, 201, 'naming no service stays possible on an unrestricted order');
});

t.test('an order restricted to some services pays only for them, and the place must say which one it delivered', async (t) => {
  const { agent, codes, db, app, world, order } = await setup(t, [WORKSHOP]);
  const excluded = await redeem(agent, { code: codes[0], service: PAPERWORK });
  t.equal(excluded.statusCode, 422);
  t.equal(excluded.json().code, 'service_not_allowed');
  t.match(excluded.json().detail, WORKSHOP, 'the refusal names what the pass pays for');
  const unnamed = await redeem(agent, { code: codes[0] });
  t.equal(unnamed.json().code, 'service_not_allowed', 'on a restricted order the service must be named');
  t.equal(statusOf(db, codes[0]!), 'active');

  const ok = await redeem(agent, { code: formatPassCode(codes[0]!), service: WORKSHOP });
  t.equal(ok.statusCode, 201);

  const buyer = await loginAs(app, world.buyerAdmin);
  const shown = await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` });
  t.same(shown.json().allowedServices, [WORKSHOP], 'the order says what it pays for');
});

t.test('the catalogue check comes before the order restriction, and a lookup without a service is not refused for it', async (t) => {
  const { agent, codes } = await setup(t, [WORKSHOP]);
  const res = await redeem(agent, { code: codes[0], service: EQUIPMENT });
  t.equal(res.json().code, 'service_not_offered');
  const check = await agent.inject({ method: 'POST', url: '/api/v1/redemptions/check', payload: { code: codes[0] } });
  t.equal(check.statusCode, 200);
  t.equal(check.json().redeemable, true);
});

t.test('a buyer restricts an order to services of the national list only', async (t) => {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const base = { bookletCount: 2, passesPerBooklet: 5, faceValueCents: 1000, validFrom: '2026-12-01', validUntil: '2027-11-30', publics: null, territory: null };
  const bad = await buyer.inject({ method: 'POST', url: '/api/v1/orders', payload: { ...base, allowedServices: ['Cours de cuisine'] } });
  t.equal(bad.statusCode, 400);
  const good = await buyer.inject({ method: 'POST', url: '/api/v1/orders', payload: { ...base, allowedServices: [WORKSHOP, PAPERWORK] } });
  t.equal(good.statusCode, 201);
  t.same(good.json().allowedServices, [WORKSHOP, PAPERWORK]);
});
