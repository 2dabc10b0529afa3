import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { actorOf, createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { submitOrder } from '../../server/modules/orders/orders.service.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, paginationItems, tableRows, firstTwoPages } from '../helpers/lists.ts';

t.test('orders: search by reference and buyer name, filter by status, numbered pages, whole CSV, own orders only', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const buyer = actorOf(db, world.buyerAdmin);
  const order = (n: number) => ({ bookletCount: 1, passesPerBooklet: 1, faceValueCents: 1000 + n, validFrom: '2026-11-01', validUntil: '2027-10-31', publics: null, territory: null });
  const own = [];
  for (let i = 0; i < 55; i++) {
    clock.advance(1000);
    own.push(submitOrder({ db, clock, actor: buyer, feeBasisPoints: 0, input: order(i) }));
  }
  clock.advance(1000);
  const approved = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 1 });
  const foreign = submitOrder({ db, clock, actor: actorOf(db, world.otherBuyerAdmin), feeBasisPoints: 0, input: order(99) });

  const session = await loginAs(app, world.buyerAdmin);
  const { first, second } = await firstTwoPages(t, session, '/commandes', { total: '56 résultats', secondPageRows: 6 });
  t.equal(currentPage(first.body), 1);
  t.same(paginationItems(first.body), ['1', '2', 'Suivante', 'Dernière page']);
  t.notMatch(first.body, foreign.reference, 'another buyer’s order never shows');
  t.match(tableRows(first.body)[0], approved.reference, 'newest first');
  t.match(second.body, /aria-current="page">2</);

  const bogus = await session.inject({ method: 'GET', url: '/commandes?page=abc&tri=nope&ordre=up&statut=zzz&par_page=7' });
  t.equal(bogus.statusCode, 200, 'bad values fall back to defaults, no 400');
  t.equal(tableRows(bogus.body).length, 50);
  const beyond = await session.inject({ method: 'GET', url: '/commandes?page=99' });
  t.equal(currentPage(beyond.body), 2, 'a page past the end shows the last page');

  const byReference = await session.inject({ method: 'GET', url: `/commandes?q=${encodeURIComponent(own[3]!.reference)}` });
  t.equal(tableRows(byReference.body).length, 1);
  t.match(byReference.body, '1 résultat');
  const byForeignReference = await session.inject({ method: 'GET', url: `/commandes?q=${encodeURIComponent(foreign.reference)}` });
  t.equal(tableRows(byForeignReference.body).length, 0, 'a search never reaches another buyer’s orders');
  t.match(byForeignReference.body, 'Aucun résultat');
  const approvedOnly = await session.inject({ method: 'GET', url: '/commandes?statut=approved' });
  t.equal(tableRows(approvedOnly.body).length, 1);
  t.match(approvedOnly.body, approved.reference);

  const byReferenceAsc = await session.inject({ method: 'GET', url: '/commandes?tri=reference&ordre=asc&par_page=20' });
  t.equal(tableRows(byReferenceAsc.body).length, 20);
  t.match(tableRows(byReferenceAsc.body)[0], own[0]!.reference, 'sorted by reference ascending');
  t.match(byReferenceAsc.body, /aria-sort="ascending"[^>]*><a href="\/commandes\?tri=reference&amp;ordre=desc&amp;par_page=20"/, 'the heading link reverses the sort and keeps the page size');

  const csvHref = exportHref(first.body);
  t.equal(csvHref, '/commandes?format=csv');
  t.match(first.body, 'Exporter en CSV (56 lignes)');
  const csv = await session.inject({ method: 'GET', url: csvHref! });
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csvHeader(csv.body), /^Référence;Commanditaire;Statut/);
  t.equal(csvDataLines(csv.body).length, 56, 'every order, not one page');
  t.notMatch(csv.body, foreign.reference);
  const filteredCsv = await session.inject({ method: 'GET', url: exportHref(approvedOnly.body)! });
  t.equal(csvDataLines(filteredCsv.body).length, 1, 'the export keeps the filters');
  t.match(csvDataLines(filteredCsv.body)[0], /;2026-11-25 11:00$/, 'instants in one Paris date-and-time format');

  const operator = await loginAs(app, world.operatorAdmin);
  const all = await operator.inject({ method: 'GET', url: '/commandes?q=Autre+commanditaire' });
  t.equal(tableRows(all.body).length, 1, 'the operator searches buyers by name');
  t.match(all.body, foreign.reference);
});
