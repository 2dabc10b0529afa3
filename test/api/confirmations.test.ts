import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, createProgram, createUser, handOutBooklet, seedReference, seedWorld, submitTestOrder } from '../helpers/fixtures.ts';

/**
 * Irreversible actions in pages first show a recap of what will happen; only the recap's own
 * button (confirmation=oui) acts. A POST that skips the recap changes nothing.
 */
const html = { accept: 'text/html' };

t.test('approving an order shows its amounts and what will be committed, and approves only once confirmed', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const program = createProgram(db);
  const order = submitTestOrder(db, clock, world.buyerAdmin, { bookletCount: 10, passesPerBooklet: 10, validFrom: '2026-12-01', validUntil: '2027-11-30', cofinancingProgramId: program.id });
  const operator = await loginAs(app, world.operatorAdmin);
  const recap = await operator.inject({ method: 'POST', url: `/commandes/${order.id}/approuver`, headers: html, payload: {} });
  t.equal(recap.statusCode, 200);
  t.match(recap.body, new RegExp(`Approuver la commande ${order.reference}`));
  t.match(recap.body, /10 carnets de 10 pass à 10,00\s€, soit 100 pass/);
  t.match(recap.body, /Part de l’État<\/dt><dd>500,00\s€/);
  t.match(recap.body, /engagée sur l’enveloppe du programme/);
  t.match(recap.body, /name="confirmation" value="oui"/);
  const still = (await operator.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` })).json();
  t.equal(still.status, 'submitted', 'nothing happened before confirming');

  const done = await operator.inject({ method: 'POST', url: `/commandes/${order.id}/approuver`, headers: html, payload: { confirmation: 'oui' } });
  t.equal(done.statusCode, 303);
  t.equal((await operator.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` })).json().status, 'approved');
});

t.test('cancelling an order and blocking a booklet ask first, and the recap of another buyer’s order is a 404', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  createProgram(db);
  const order = submitTestOrder(db, clock, world.buyerAdmin, { bookletCount: 2, passesPerBooklet: 5, validFrom: '2026-12-01', validUntil: '2027-11-30' });
  const buyer = await loginAs(app, world.buyerAdmin);
  const other = await loginAs(app, world.otherBuyerAdmin);
  t.equal((await other.inject({ method: 'POST', url: `/commandes/${order.id}/annuler`, headers: html, payload: {} })).statusCode, 404);
  const recap = await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/annuler`, headers: html, payload: {} });
  t.equal(recap.statusCode, 200);
  t.match(recap.body, /Annuler la commande/);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` })).json().status, 'submitted');

  const approved = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, funded: true });
  const [booklet] = await bookletsOf(db, approved.id);
  const block = { orderId: approved.id, serial: booklet!.serial, reason: 'lost' };
  const blockRecap = await buyer.inject({ method: 'POST', url: '/distribution/bloquer', headers: html, payload: block });
  t.equal(blockRecap.statusCode, 200);
  t.match(blockRecap.body, new RegExp(`Bloquer le carnet ${booklet!.serial}`));
  t.match(blockRecap.body, /ne peut pas être débloqué/);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/booklets/${booklet!.serial}` })).json().status, 'in_stock', 'not blocked before confirming');
  const blocked = await buyer.inject({ method: 'POST', url: '/distribution/bloquer', headers: html, payload: { ...block, confirmation: 'oui' } });
  t.equal(blocked.statusCode, 303);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/booklets/${booklet!.serial}` })).json().status, 'blocked');
});

t.test('labelling a place shows what it will be able to do, and labels it only once confirmed', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const { organisation } = await createPlace(db, { name: 'Fablab candidat', status: 'applied' });
  const operator = await loginAs(app, world.operatorAdmin);
  const recap = await operator.inject({ method: 'POST', url: `/lieux/${organisation.id}/label`, headers: html, payload: {} });
  t.equal(recap.statusCode, 200);
  t.match(recap.body, /Labelliser Fablab candidat/);
  t.match(recap.body, /pourra encaisser des pass/);
  t.equal((await operator.inject({ method: 'GET', url: `/api/v1/places/${organisation.id}` })).json().status, 'applied');
  t.equal((await operator.inject({ method: 'POST', url: `/lieux/${organisation.id}/label`, headers: html, payload: { confirmation: 'oui' } })).statusCode, 303);
  t.equal((await operator.inject({ method: 'GET', url: `/api/v1/places/${organisation.id}` })).json().status, 'labelled');
});

t.test('marking a batch paid refuses a date in the future in place, then asks for confirmation', async (t) => {
  const { app, db, clock } = await buildTestApp(t, { now: '2026-10-05T08:00:00Z' });
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, validFrom: '2026-10-01', funded: true });
  const [booklet] = await bookletsOf(db, order.id);
  const codes = await handOutBooklet(db, booklet!.id);
  const place = await createPlace(db, { sites: [{ communeCode: '31395' }] });
  const agent = await loginAs(app, place.agent);
  t.equal((await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[0] } })).statusCode, 201);
  clock.set('2026-11-03T09:00:00Z');
  const builder = await loginAs(app, world.operatorFinance);
  const approver = await loginAs(app, await createUser(db, { id: world.operator.id, kind: 'operator', name: 'Opérateur' }, { role: 'finance' }));
  const batch = (await builder.inject({ method: 'POST', url: '/api/v1/reimbursement-batches', payload: { period: '2026-10' } })).json();
  const approved = await approver.inject({ method: 'POST', url: `/api/v1/reimbursement-batches/${batch.id}/approve`, payload: {} });
  t.equal(approved.statusCode, 200, approved.body);

  const future = await approver.inject({ method: 'POST', url: `/finances/remboursements/${batch.id}/payer`, headers: html, payload: { paidOn: '2026-11-04' } });
  t.equal(future.statusCode, 422);
  t.match(future.body, /est dans le futur/);
  const recap = await approver.inject({ method: 'POST', url: `/finances/remboursements/${batch.id}/payer`, headers: html, payload: { paidOn: '2026-11-03' } });
  t.equal(recap.statusCode, 200);
  t.match(recap.body, /Marquer le lot « octobre 2026 » comme payé/);
  t.match(recap.body, /name="paidOn" value="2026-11-03"/);
  t.equal((await approver.inject({ method: 'GET', url: `/api/v1/reimbursement-batches/${batch.id}` })).json().status, 'approved', 'not paid before confirming');
  const paid = await approver.inject({ method: 'POST', url: `/finances/remboursements/${batch.id}/payer`, headers: html, payload: { paidOn: '2026-11-03', confirmation: 'oui' } });
  t.equal(paid.statusCode, 303);
  t.equal((await approver.inject({ method: 'GET', url: `/api/v1/reimbursement-batches/${batch.id}` })).json().status, 'paid');
});
