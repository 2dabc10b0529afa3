import t from 'tap';
import { inArray } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createOrganisation, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { handOut, post } from '../helpers/handed-out-order.ts';
import { booklets } from '../../db/schema/booklets.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, paginationItems, tableRows } from '../helpers/lists.ts';

/** The rows of the stock list itself (the page has other tables before it). */
const stockRows = (html: string) => tableRows(/<table id="stock-table">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '');

t.test('a prescriber’s 520 booklets: search by serial, status filter, sort, numbered pages of 50 and the whole CSV', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 530, passesPerBooklet: 1, funded: true });
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id })).statusCode, 201);
  const allotted = await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 520 });
  t.equal(allotted.statusCode, 201);
  const serials: string[] = allotted.json().serials;
  // Five of the ten left with the buyer are held by another prescriber: never in this one's list.
  const neighbour = createOrganisation(db, { kind: 'prescriber', name: 'CCAS voisin', communeCode: '31555' });
  const others = (await bookletsOf(db, order.id)).filter((b) => !serials.includes(b.serial)).slice(0, 5);
  db.update(booklets).set({ holderId: neighbour.id, status: 'allotted' }).where(inArray(booklets.id, others.map((b) => b.id))).run();

  const prescriber = await loginAs(app, world.prescriberAdmin);
  const handedOut = [serials[100]!, serials[300]!];
  for (const serial of handedOut) t.equal((await handOut(prescriber, serial)).statusCode, 201);

  const first = await prescriber.inject({ method: 'GET', url: '/mon-stock' });
  t.equal(first.statusCode, 200);
  t.match(first.body, 'Mes carnets : 520 résultats');
  t.equal(stockRows(first.body).length, 50, '50 a page');
  t.same(paginationItems(first.body), ['1', '2', '…', '11', 'Suivante', 'Dernière page']);
  t.match(stockRows(first.body)[0], new RegExp(`^${serials[0]} .* À distribuer Distribuer le carnet ${serials[0]}$`), 'the booklets to hand out first, with their hand-out link');
  const last = await prescriber.inject({ method: 'GET', url: '/mon-stock?page=11' });
  t.equal(currentPage(last.body), 11);
  t.equal(stockRows(last.body).length, 20);
  t.match(stockRows(last.body).at(-1), /Distribué le 25 novembre 2026/, 'the handed-out ones last, with their day');

  const bySerial = await prescriber.inject({ method: 'GET', url: `/mon-stock?q=${encodeURIComponent(serials[42]!)}` });
  t.same(stockRows(bySerial.body).length, 1, 'a serial finds its booklet');
  t.match(stockRows(bySerial.body)[0], serials[42]!);
  t.match(bySerial.body, /<strong>1 résultat<\/strong>/);
  const byNumber = await prescriber.inject({ method: 'GET', url: `/mon-stock?q=${serials[42]!.slice(-6)}` });
  t.match(stockRows(byNumber.body)[0], serials[42]!, 'and so does its number alone');
  const foreign = await prescriber.inject({ method: 'GET', url: `/mon-stock?q=${encodeURIComponent(others[0]!.serial)}` });
  t.match(foreign.body, 'Aucun carnet ne correspond à cette recherche.', 'another prescriber’s booklet is not found');

  const remis = await prescriber.inject({ method: 'GET', url: '/mon-stock?statut=remis' });
  t.same(stockRows(remis.body).map((r) => r.split(' ')[0]), handedOut, 'the status filter');
  t.equal(stockRows((await prescriber.inject({ method: 'GET', url: '/mon-stock?statut=a_distribuer&par_page=100' })).body).length, 100);
  t.match((await prescriber.inject({ method: 'GET', url: '/mon-stock?statut=a_distribuer' })).body, 'Mes carnets : 518 résultats');
  const descending = await prescriber.inject({ method: 'GET', url: '/mon-stock?tri=numero&ordre=desc' });
  t.match(stockRows(descending.body)[0], new RegExp(`^${serials.at(-1)} `), 'sorted by serial, highest first');

  const csv = await prescriber.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.equal(csvHeader(csv.body), 'Numéro de carnet;Commande;Commanditaire;Statut;Pass;Valable du;Valable au;Remis le');
  const lines = csvDataLines(csv.body);
  t.equal(lines.length, 520, 'every booklet, beyond one read of 500');
  t.same(new Set(lines.map((l) => l.split(';')[0])), new Set(serials), 'exactly the prescriber’s booklets');
  t.match(csv.body, `${serials[100]};${order.reference};Département de test;Distribué;1;`);
  const filteredCsv = await prescriber.inject({ method: 'GET', url: exportHref(remis.body)! });
  t.equal(csvDataLines(filteredCsv.body).length, 2, 'the export keeps the filter');
  const searchedCsv = await prescriber.inject({ method: 'GET', url: exportHref(bySerial.body)! });
  t.same(csvDataLines(searchedCsv.body).map((l) => l.split(';')[0]), [serials[42]], 'and the search');
});

t.test('under the J-15 blocking, the notice counts every booklet still held, not one page, and every page and the CSV say to give them back', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 60, passesPerBooklet: 1, funded: true, validFrom: '2026-11-01', validUntil: '2026-12-31' });
  let buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId: world.prescriber.id })).statusCode, 201);
  const serials: string[] = (await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 60 })).json().serials;
  t.equal((await handOut(await loginAs(app, world.prescriberAdmin), serials[0]!)).statusCode, 201);
  clock.set('2026-12-17T09:00:00.000Z'); // J-14
  buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/end-of-validity/blocage`)).statusCode, 200);
  const prescriber = await loginAs(app, world.prescriberAdmin);

  const second = await prescriber.inject({ method: 'GET', url: '/mon-stock?page=2' });
  t.equal(second.statusCode, 200);
  t.match(second.body, 'ne remettez plus les 59 carnets que vous détenez', 'the 59 still held, though a page shows 50');
  t.equal(currentPage(second.body), 2);
  const rows = stockRows(second.body);
  t.equal(rows.length, 10);
  t.ok(rows.slice(0, 9).every((r) => / Bloqué : à rendre Rendez-le au commanditaire$/.test(r)), 'no hand-out link on a blocked booklet, on any page');
  t.notMatch(second.body, 'href="/distribuer?carnet=', 'not one');
  const csv = await prescriber.inject({ method: 'GET', url: exportHref(second.body)! });
  const lines = csvDataLines(csv.body);
  t.equal(lines.length, 60);
  t.equal(lines.filter((l) => l.includes(';Bloqué : à rendre;')).length, 59, 'the CSV says it too');
});
