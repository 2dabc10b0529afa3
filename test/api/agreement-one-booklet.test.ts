import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { invoices } from '../../db/schema/orders.ts';

/**
 * A one-booklet order reads "1 carnet", never "1 carnets" (issue 16: correct agreement): on the
 * order page and its print section, on the invoice's line (its Factur-X description, printed on
 * the PDF from the same data), and on the buyer's dashboard.
 */
t.test('a one-booklet order says "1 carnet" on the order page, the invoice line and the dashboard', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  // Validity ends within the 30 days of the dashboard's warning.
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 10, validFrom: '2026-11-01', validUntil: '2026-12-15' });
  const buyer = await loginAs(app, world.buyerAdmin);

  const page = (await buyer.inject({ method: 'GET', url: `/commandes/${order.id}` })).body;
  t.match(page, /1 carnet de 10 pass à 10,00/);
  t.match(page, /1 carnet émis, soit 10 pass/, 'the print section');
  t.notMatch(page, /\b1 carnets\b/);

  const invoice = db.select().from(invoices).where(eq(invoices.orderId, order.id)).get()!;
  const xml = await buyer.inject({ method: 'GET', url: `/api/v1/invoices/${invoice.id}/factur-x.xml` });
  t.equal(xml.statusCode, 200);
  t.match(xml.body, /<ram:Description>1 carnet de 10 pass à 10,00\s€<\/ram:Description>/, 'the invoice line');

  const dashboard = (await buyer.inject({ method: 'GET', url: '/tableau-de-bord' })).body;
  t.match(dashboard, /1 carnet émis : 0 distribué \(dont 0 entamé\), 1 non distribué\./, 'the validity alert of the dashboard');
  t.notMatch(dashboard, /\b1 carnets\b/);
  t.notMatch(dashboard, /\b[01] (distribués|entamés)\b/);

  const two = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 10 });
  t.match((await buyer.inject({ method: 'GET', url: `/commandes/${two.id}` })).body, /2 carnets de 10 pass/, 'and the plural from 2');
});
