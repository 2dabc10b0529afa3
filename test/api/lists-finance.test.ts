import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { creditNotes } from '../../db/schema/credit-notes.ts';
import { invoices } from '../../db/schema/orders.ts';
import { newId } from '../../server/shared/secrets.ts';
import { eq } from 'drizzle-orm';
import { csvDataLines, currentPage, exportHref, tableRows } from '../helpers/lists.ts';

async function financeWorld(t: Parameters<typeof buildTestApp>[0]) {
  const built = await buildTestApp(t);
  const { db, clock } = built;
  seedReference(db);
  const world = await seedWorld(db);
  const own = [];
  for (let i = 0; i < 52; i++) {
    clock.advance(60_000);
    own.push(createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 1 }));
  }
  const foreign = createApprovedOrder(db, clock, { buyer: world.otherBuyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 1 });
  return { ...built, world, own, foreign };
}

t.test('invoices: numbered pages, search by FAC-/CMD- number and buyer, payment filter, whole CSV, a buyer’s own invoices only', async (t) => {
  const { app, db, world, own, foreign } = await financeWorld(t);
  const foreignInvoice = db.select().from(invoices).where(eq(invoices.orderId, foreign.id)).get()!;
  const firstInvoice = db.select().from(invoices).where(eq(invoices.orderId, own[0]!.id)).get()!;
  db.update(invoices).set({ paidCents: firstInvoice.totalCents }).where(eq(invoices.id, firstInvoice.id)).run();

  const buyer = await loginAs(app, world.buyerAdmin);
  const page1 = await buyer.inject({ method: 'GET', url: '/finances/factures' });
  t.equal(page1.statusCode, 200);
  t.match(page1.body, '52 résultats');
  t.equal(tableRows(page1.body).length, 50);
  t.equal(currentPage(page1.body), 1);
  t.notMatch(page1.body, foreignInvoice.number, 'never another buyer’s invoice');
  t.notMatch(page1.body, 'id="list-destinataire"', 'a buyer has no recipient filter: it only sees its own invoices');
  const searchForeign = await buyer.inject({ method: 'GET', url: `/finances/factures?q=${foreignInvoice.number}` });
  t.equal(tableRows(searchForeign.body).length, 0, 'not even through the search');
  const byOrder = await buyer.inject({ method: 'GET', url: `/finances/factures?q=${own[7]!.reference}` });
  t.equal(tableRows(byOrder.body).length, 1, 'by its order’s CMD- number');
  const paid = await buyer.inject({ method: 'GET', url: '/finances/factures?statut=paid' });
  t.equal(tableRows(paid.body).length, 1);
  t.match(paid.body, firstInvoice.number);
  const unpaid = await buyer.inject({ method: 'GET', url: '/finances/factures?statut=unpaid' });
  t.match(unpaid.body, '51 résultats');
  const csv = await buyer.inject({ method: 'GET', url: exportHref(page1.body)! });
  t.equal(csvDataLines(csv.body).length, 52, 'every invoice');
  t.match(csvDataLines(csv.body)[0], /;Département de test;Commanditaire;2026-11-25;/, 'buyer by name, one date format');
  t.notMatch(csv.body, foreignInvoice.number);
  const apiCsv = await buyer.inject({ method: 'GET', url: '/api/v1/invoices?limit=10&format=csv' });
  t.equal(csvDataLines(apiCsv.body).length, 52, 'the API’s CSV is whole too');

  const operator = await loginAs(app, world.operatorFinance);
  const byBuyer = await operator.inject({ method: 'GET', url: '/finances/factures?q=autre+commanditaire' });
  t.equal(tableRows(byBuyer.body).length, 1, 'the operator searches by buyer name');
  t.equal(tableRows((await operator.inject({ method: 'GET', url: '/finances/factures?destinataire=state' })).body).length, 0);
  const sorted = await operator.inject({ method: 'GET', url: '/finances/factures?tri=numero&ordre=asc&par_page=20' });
  t.match(tableRows(sorted.body)[0], firstInvoice.number, 'by number, ascending');
});

t.test('credit notes: search by AV- number, numbered pages, whole CSV, scoped to the buyer', async (t) => {
  const { app, db, world, own, foreign } = await financeWorld(t);
  const note = (orderId: string, buyerId: string, n: number) =>
    db.insert(creditNotes).values({ id: newId(), number: `AV-2026-${String(n).padStart(6, '0')}`, orderId, buyerId, passCount: 1, totalCents: 1000, buyerShareCents: 1000, stateShareCents: 0, issuedOn: '2026-11-20', journalEntryId: newId(), createdAt: '2026-11-20T10:00:00.000Z' }).run();
  own.forEach((o, i) => note(o.id, world.buyer.id, i + 1));
  note(foreign.id, world.otherBuyer.id, 999);
  const buyer = await loginAs(app, world.buyerAdmin);
  const page2 = await buyer.inject({ method: 'GET', url: '/finances/avoirs?page=2' });
  t.equal(page2.statusCode, 200);
  t.equal(currentPage(page2.body), 2);
  t.equal(tableRows(page2.body).length, 2);
  t.notMatch((await buyer.inject({ method: 'GET', url: '/finances/avoirs?q=AV-2026-000999' })).body, 'AV-2026-000999</td>', 'never another buyer’s credit note');
  t.equal(tableRows((await buyer.inject({ method: 'GET', url: '/finances/avoirs?q=AV-2026-000007' })).body).length, 1);
  const csv = await buyer.inject({ method: 'GET', url: exportHref(page2.body)! });
  t.equal(csvDataLines(csv.body).length, 52);
  t.match(csv.body, ';Département de test;2026-11-20;');
  const operator = await loginAs(app, world.operatorFinance);
  t.match((await operator.inject({ method: 'GET', url: '/finances/avoirs' })).body, '53 résultats');
});

t.test('journal: numbered pages newest first, search by document number, the « place: » prefix finds every place account, whole CSV', async (t) => {
  const { app, world, own } = await financeWorld(t);
  const finance = await loginAs(app, world.operatorFinance);
  const page1 = await finance.inject({ method: 'GET', url: '/finances/journal' });
  t.equal(page1.statusCode, 200);
  t.equal(currentPage(page1.body), 1, 'the journal has numbered pages');
  t.match(page1.body, /aria-sort="descending"[^>]*><a href="\/finances\/journal\?tri=numero&amp;ordre=asc"/, 'newest first, the heading reverses it');
  const byOrder = await finance.inject({ method: 'GET', url: `/finances/journal?q=${own[3]!.reference}` });
  t.match(byOrder.body, `<strong>${own[3]!.reference}</strong>`);
  t.notMatch(byOrder.body, `<strong>${own[4]!.reference}</strong>`);
  const total = Number(/(\d+) écritures<\/strong>/.exec(page1.body)?.[1]);
  t.ok(total > 50, 'more entries than one page');
  const csv = await finance.inject({ method: 'GET', url: exportHref(page1.body)! });
  const entryNumbers = new Set(csvDataLines(csv.body).map((l) => l.split(';')[0]));
  t.equal(entryNumbers.size, total, 'the CSV holds every entry, not one page');
  const buyerAccounts = await finance.inject({ method: 'GET', url: '/finances/journal?compte=buyer:' });
  t.equal(buyerAccounts.statusCode, 200);
  t.notMatch(buyerAccounts.body, 'Aucune écriture ne correspond', 'a prefix ending with a colon finds the accounts below it');
  t.match(buyerAccounts.body, /Créance|Département de test/);
});
