import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const place = await createPlace(ctx.db, { name: 'EPN à deux sites', sites: [{ name: 'Site de Muret', communeCode: '31395' }, { name: 'Site de Blagnac', communeCode: '31069' }] });
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 4, funded: true });
  const [booklet] = await bookletsOf(ctx.db, order.id);
  const codes = await handOutBooklet(ctx.db, booklet!.id);
  return { ...ctx, place, codes };
}

const selected = (html: string) => /<option value="([^"]+)" selected>/.exec(html)?.[1];

t.test('at a two-site place the site of the last redemption is preselected on the counter', async (t) => {
  const { app, place, codes } = await setup(t);
  const agent = await loginAs(app, place.agent);
  const [muret, blagnac] = place.siteIds;
  const first = await agent.inject({ method: 'GET', url: '/encaisser' });
  t.equal(selected(first.body), undefined, 'nothing remembered yet: the agent chooses');

  const res = await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[0], siteId: blagnac } });
  t.equal(res.statusCode, 201);
  const cookie = res.cookies.find((c) => c.name.startsWith('pn_site_'))!;
  t.equal(cookie.value, blagnac, 'the counter script’s redemption remembers its site');
  t.ok(cookie.httpOnly);
  const next = await app.inject({ method: 'GET', url: '/encaisser', headers: { cookie: `${agent.cookieHeader}; ${cookie.name}=${cookie.value}` } });
  t.equal(selected(next.body), blagnac, 'preselected the next time');

  const page = await app.inject({
    method: 'POST',
    url: '/encaisser',
    headers: { cookie: `${agent.cookieHeader}; ${cookie.name}=${cookie.value}`, 'x-csrf-token': agent.csrfToken },
    payload: { code: codes[1], siteId: muret, _csrf: agent.csrfToken },
  });
  t.equal(page.statusCode, 200);
  t.equal(page.cookies.find((c) => c.name === cookie.name)?.value, muret, 'the form remembers the site it used too');

  const stale = await app.inject({ method: 'GET', url: '/encaisser', headers: { cookie: `${agent.cookieHeader}; ${cookie.name}=another-place-site` } });
  t.equal(selected(stale.body), undefined, 'a remembered id that is not one of the place’s active sites is ignored');
});
