import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, createUser, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';

t.test('a place lands on this month’s redemptions, its last payment and its next one', async (t) => {
  const { app, db, clock } = await buildTestApp(t, { now: '2026-10-05T08:00:00Z' });
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 5, validFrom: '2026-10-01', funded: true });
  const [booklet] = await bookletsOf(db, order.id);
  const codes = await handOutBooklet(db, booklet!.id);
  const place = await createPlace(db, { sites: [{ communeCode: '31395' }] });
  let agent = await loginAs(app, place.agent);
  const redeem = async (code: string) => t.equal((await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code } })).statusCode, 201);

  const empty = await agent.inject({ method: 'GET', url: '/tableau-de-bord' });
  t.match(empty.body, /<span class="pn-count">0<\/span> pass encaissé, soit <strong>0,00\s€<\/strong>/);
  t.match(empty.body, /Aucun remboursement n’a encore été versé/);
  t.match(empty.body, /lot préparé à partir du 1er novembre 2026/);

  await redeem(codes[0]!);
  await redeem(codes[1]!);
  clock.set('2026-11-03T09:00:00Z');
  agent = await loginAs(app, place.agent); // a month later: a new session
  const builder = await loginAs(app, world.operatorFinance);
  const approver = await loginAs(app, await createUser(db, { id: world.operator.id, kind: 'operator', name: 'Opérateur' }, { role: 'finance' }));
  const batch = (await builder.inject({ method: 'POST', url: '/api/v1/reimbursement-batches', payload: { period: '2026-10' } })).json();
  t.equal((await approver.inject({ method: 'POST', url: `/api/v1/reimbursement-batches/${batch.id}/approve`, payload: {} })).statusCode, 200);
  const pending = await agent.inject({ method: 'GET', url: '/tableau-de-bord' });
  t.match(pending.body, /<strong>20,00\s€<\/strong> pour octobre 2026 : virement demandé pour le/, 'the approved batch is the next payment');

  t.equal((await approver.inject({ method: 'POST', url: `/api/v1/reimbursement-batches/${batch.id}/paid`, payload: { paidOn: '2026-11-03' } })).statusCode, 200);
  await redeem(codes[2]!);
  const page = await agent.inject({ method: 'GET', url: '/tableau-de-bord' });
  t.match(page.body, /<span class="pn-count">1<\/span> pass encaissé, soit <strong>10,00\s€<\/strong> à rembourser/, 'November so far');
  t.match(page.body, /<strong>20,00\s€<\/strong> pour les encaissements d’octobre 2026, virés le 3 novembre 2026/);
  t.match(page.body, /Les encaissements de novembre 2026 seront remboursés dans le lot préparé à partir du 1er décembre 2026/);
});
