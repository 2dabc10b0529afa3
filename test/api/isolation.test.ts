import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';

t.test('a buyer admin cannot read another organisation or its users: 404, as if it did not exist', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  const org = await s.inject({ method: 'GET', url: `/api/v1/organizations/${world.otherBuyer.id}` });
  t.equal(org.statusCode, 404);
  t.equal(org.json().code, 'organisation_not_found');
  const missing = await s.inject({ method: 'GET', url: '/api/v1/organizations/00000000-0000-0000-0000-000000000000' });
  t.same(org.json(), missing.json(), 'another organisation looks exactly like a missing one');
  t.equal((await s.inject({ method: 'GET', url: `/api/v1/organizations/${world.otherBuyer.id}/users` })).statusCode, 404);
});

t.test('a buyer admin cannot invite users into another organisation', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  const res = await s.inject({ method: 'POST', url: `/api/v1/organizations/${world.otherBuyer.id}/users`, payload: { email: 'intrus@exemple.fr', name: 'Intrus', role: 'admin' } });
  t.equal(res.statusCode, 404);
  const disable = await s.inject({ method: 'POST', url: `/api/v1/organizations/${world.otherBuyer.id}/users/${world.otherBuyerAdmin.id}/disable` });
  t.equal(disable.statusCode, 404);
  const reset = await s.inject({ method: 'POST', url: `/api/v1/organizations/${world.otherBuyer.id}/users/${world.otherBuyerAdmin.id}/invitations` });
  t.equal(reset.statusCode, 404);
});

t.test('a user id from another organisation is not reachable through one\'s own organisation', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.buyerAdmin);
  const res = await s.inject({ method: 'POST', url: `/api/v1/organizations/${world.buyer.id}/users/${world.otherBuyerAdmin.id}/disable` });
  t.equal(res.statusCode, 404);
});

t.test('the organisations list shows non-operators only their own organisation', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const mine = (await buyer.inject({ method: 'GET', url: '/api/v1/organizations' })).json();
  t.same(mine.items.map((o: { id: string }) => o.id), [world.buyer.id]);
  const operator = await loginAs(app, world.operatorAdmin);
  const all = (await operator.inject({ method: 'GET', url: '/api/v1/organizations?limit=2' })).json();
  t.equal(all.items.length, 2);
  t.ok(all.nextCursor, 'a next page exists');
  const next = (await operator.inject({ method: 'GET', url: `/api/v1/organizations?limit=500&cursor=${all.nextCursor}` })).json();
  t.equal(next.items.length, 3, 'the remaining organisations, none twice');
  t.equal(next.nextCursor, null);
});

t.test('the operator sees any organisation and its users', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const users = await s.inject({ method: 'GET', url: `/api/v1/organizations/${world.buyer.id}/users` });
  t.equal(users.statusCode, 200);
  t.equal(users.json().items.length, 2);
});

t.test('lists answer CSV for spreadsheets: BOM, semicolons', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const res = await s.inject({ method: 'GET', url: `/api/v1/organizations/${world.buyer.id}/users`, headers: { accept: 'text/csv' } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/csv/);
  t.ok(res.body.startsWith('\uFEFF'), 'starts with a BOM so Excel reads UTF-8');
  t.match(res.body, /Nom;Adresse e-mail;Rôle;Statut/);
});
