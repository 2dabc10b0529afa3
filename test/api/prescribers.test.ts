import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { pathOf, startSmtpServer } from '../helpers/mail.ts';
import { users } from '../../db/schema/accounts.ts';

const missionLocale = { name: 'Mission locale du Comminges', siret: '732 829 320 00074', kind: 'mission_locale', communeCode: '31483', contactEmail: 'direction@ml-comminges.test' };

t.test('a buyer adds its own Mission locale, whose contact is invited, then designates it and hands it booklets', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const res = await buyer.inject({ method: 'POST', url: '/api/v1/prescribers', payload: missionLocale });
  t.equal(res.statusCode, 201, res.body);
  const { id } = res.json();
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1);
  t.same(smtp.received[0]!.envelopeTo, ['direction@ml-comminges.test']);
  t.equal(smtp.received[0]!.subject, 'Département de test vous invite à distribuer des pass numériques');
  const path = pathOf(smtp.received[0]!.link);
  t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, 'the invitation link works');
  const token = path.split('/').pop()!;
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/invitations/${token}/accept`, payload: { password: 'mission locale mot de passe' } })).statusCode, 204);
  const prescriber = await loginAs(app, { email: 'direction@ml-comminges.test', password: 'mission locale mot de passe' });
  t.match((await prescriber.inject({ method: 'GET', url: '/api/v1/me' })).json(), { user: { role: 'admin' }, organisation: { id, kind: 'prescriber' } });

  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 4, passesPerBooklet: 5 });
  const designated = await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/prescribers`, payload: { prescriberId: id } });
  t.equal(designated.statusCode, 201, designated.body);
  const allotted = await buyer.inject({ method: 'POST', url: '/api/v1/allotments', payload: { orderId: order.id, prescriberId: id, bookletCount: 2 } });
  t.equal(allotted.statusCode, 201, allotted.body);
  await app.outbox.deliverDue();
  const designation = smtp.received.find((m) => m.subject === 'Département de test vous confie la distribution de pass numériques');
  t.ok(designation, 'the prescriber is told it is designated');
  t.same(designation!.envelopeTo, ['direction@ml-comminges.test']);
  const handed = smtp.received.find((m) => m.subject === '2 carnets confiés par Département de test');
  t.ok(handed, 'and that booklets were handed to it');
  t.match(handed!.text, order.reference);
  t.equal((await prescriber.inject({ method: 'GET', url: pathOf(handed!.link) })).statusCode, 200, 'its link opens the stock page');
});

t.test('a prescriber whose SIRET exists is reused: 200 with its id, its users keep their accounts; the operator sees who added it', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const first = await buyer.inject({ method: 'POST', url: '/api/v1/prescribers', payload: missionLocale });
  t.equal(first.statusCode, 201);
  const usersBefore = db.select().from(users).where(eq(users.organisationId, first.json().id)).all();
  const other = await loginAs(app, world.otherBuyerAdmin);
  const second = await other.inject({ method: 'POST', url: '/api/v1/prescribers', payload: { ...missionLocale, name: 'ML Comminges', contactEmail: 'autre@ml.test' } });
  t.equal(second.statusCode, 200);
  t.same(second.json(), { id: first.json().id });
  t.same(db.select().from(users).where(eq(users.organisationId, first.json().id)).all(), usersBefore, 'nobody added, nobody changed');
  t.equal((await buyer.inject({ method: 'POST', url: '/api/v1/prescribers', payload: missionLocale })).statusCode, 200, 'adding it again is harmless');

  const operator = await loginAs(app, world.operatorAdmin);
  const network = (await operator.inject({ method: 'GET', url: '/api/v1/prescriber-network' })).json().items;
  t.same(network.map((n: { buyerName: string; created: boolean }) => [n.buyerName, n.created]).sort(), [['Autre commanditaire', false], ['Département de test', true]]);
  t.equal((await other.inject({ method: 'GET', url: '/api/v1/prescriber-network' })).json().items.length, 1, 'a buyer sees its own network only');

  const suspended = await operator.inject({ method: 'POST', url: `/api/v1/prescribers/${first.json().id}/suspend` });
  t.equal(suspended.statusCode, 200);
  t.equal(suspended.json().status, 'suspended');
  t.equal((await buyer.inject({ method: 'POST', url: `/api/v1/prescribers/${first.json().id}/suspend` })).statusCode, 403);
});

t.test('bad input: an invalid SIRET, an unknown kind, or a non-admin caller', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const bad = await buyer.inject({ method: 'POST', url: '/api/v1/prescribers', payload: { ...missionLocale, siret: '73282932000075', kind: 'club' } });
  t.equal(bad.statusCode, 400);
  t.same(bad.json().errors.map((e: { path: string }) => e.path).sort(), ['kind', 'siret']);
  const agent = await loginAs(app, world.buyerAgent);
  t.equal((await agent.inject({ method: 'POST', url: '/api/v1/prescribers', payload: missionLocale })).statusCode, 403);
  const place = await loginAs(app, world.placeAdmin);
  t.equal((await place.inject({ method: 'POST', url: '/api/v1/prescribers', payload: missionLocale })).statusCode, 403);
});
