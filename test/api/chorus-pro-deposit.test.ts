import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createOrganisation, createProgram, createUser, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { postOrder, untargetedOrder } from '../helpers/orders.ts';
import { csvDataLines, csvHeader, exportHref } from '../helpers/lists.ts';

const FLOW = 'CPP0011117000000000414554';
const put = (s: Session, url: string, payload: Record<string, unknown>) => s.inject({ method: 'PUT', url, payload });
const form = (s: Session, url: string, fields: Record<string, string>) =>
  s.inject({ method: 'POST', url, payload: new URLSearchParams({ _csrf: s.csrfToken, ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

async function invoicedOrders(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db);
  const company = createOrganisation(ctx.db, { kind: 'buyer', name: 'Entreprise privée', buyerType: 'private', communeCode: '31555' });
  const companyAdmin = await createUser(ctx.db, company, { role: 'admin' });
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const order = async (buyer: Session, cofinancingProgramId?: string) => {
    const created = (await postOrder(buyer, { ...untargetedOrder, bookletCount: 2, passesPerBooklet: 5, validUntil: '2027-06-30', ...(cofinancingProgramId ? { cofinancingProgramId } : {}) })).json();
    t.equal((await operator.inject({ method: 'POST', url: `/api/v1/orders/${created.id}/approve` })).statusCode, 200);
    return created;
  };
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const publicOrder = await order(buyer, program.id);
  const privateOrder = await order(await loginAs(ctx.app, companyAdmin));
  const finance = await loginAs(ctx.app, world.operatorFinance);
  const invoices: { id: string; number: string; party: string; orderId: string }[] = (await finance.inject({ method: 'GET', url: '/api/v1/invoices?limit=500' })).json().items;
  return {
    ...ctx,
    world,
    buyer,
    finance,
    operator,
    buyerInvoice: invoices.find((i) => i.orderId === publicOrder.id && i.party === 'buyer')!,
    callForFunds: invoices.find((i) => i.orderId === publicOrder.id && i.party === 'state')!,
    privateInvoice: invoices.find((i) => i.orderId === privateOrder.id)!,
    publicOrder,
  };
}

t.test('finance records a Chorus Pro deposit, corrects it with an audit trail, and the date and flow number are checked', async (t) => {
  const { db, finance, buyer, buyerInvoice, callForFunds, privateInvoice } = await invoicedOrders(t);
  const url = `/api/v1/invoices/${buyerInvoice.id}/chorus-pro-deposit`;
  t.match((await finance.inject({ method: 'GET', url })).json(), { status: 'pending', depositedOn: null, history: [] });

  const future = await put(finance, url, { depositedOn: '2026-11-26', flowNumber: FLOW });
  t.equal(future.statusCode, 422);
  t.match(future.json(), { code: 'date_in_future' });
  const beforeIssue = await put(finance, url, { depositedOn: '2026-11-24', flowNumber: FLOW });
  t.equal(beforeIssue.statusCode, 422);
  t.match(beforeIssue.json(), { code: 'deposit_before_issue', detail: /précède l’émission/ });
  const badFlow = await put(finance, url, { depositedOn: '2026-11-25', flowNumber: 'FLUX-12' });
  t.equal(badFlow.statusCode, 400);
  t.match(badFlow.body, /CPP suivi de 22 chiffres/, 'a French message naming the expected format');
  t.equal(db.get<{ n: number }>(sql`SELECT count(*) AS n FROM chorus_pro_deposits`)!.n, 0, 'nothing written by a refused deposit');

  const recorded = await put(finance, url, { depositedOn: '2026-11-25', flowNumber: ' cpp 0011117000000000414554 ' });
  t.equal(recorded.statusCode, 201);
  t.match(recorded.json(), { status: 'deposited', depositedOn: '2026-11-25', flowNumber: FLOW, number: buyerInvoice.number });
  t.equal((await put(finance, url, { depositedOn: '2026-11-25', flowNumber: FLOW })).statusCode, 200, 'the same deposit again changes nothing');

  const corrected = await put(finance, url, { depositedOn: '2026-11-25', flowNumber: 'CPP0011117000000000414555' });
  t.equal(corrected.statusCode, 200);
  t.match(corrected.json().history, [
    { action: 'recorded', flowNumber: FLOW, previous: null },
    { action: 'corrected', flowNumber: 'CPP0011117000000000414555', previous: { depositedOn: '2026-11-25', flowNumber: FLOW } },
  ]);
  t.same(
    db.all<{ action: string }>(sql`SELECT action FROM audit_log WHERE subject_type = 'invoice' AND subject_id = ${buyerInvoice.id} ORDER BY id`).map((r) => r.action),
    ['chorus_pro.deposit_recorded', 'chorus_pro.deposit_corrected'],
  );

  const notApplicable = await put(finance, `/api/v1/invoices/${privateInvoice.id}/chorus-pro-deposit`, { depositedOn: '2026-11-25', flowNumber: FLOW });
  t.equal(notApplicable.statusCode, 422);
  t.equal(notApplicable.json().code, 'chorus_pro_not_applicable');

  t.equal((await buyer.inject({ method: 'GET', url })).json().status, 'deposited', 'the buyer sees its invoice’s deposit');
  t.equal((await put(buyer, url, { depositedOn: '2026-11-25', flowNumber: FLOW })).statusCode, 403, 'only finance records it');
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/invoices/${callForFunds.id}/chorus-pro-deposit` })).statusCode, 404, 'the State’s call for funds is not the buyer’s');
  t.equal((await put(finance, '/api/v1/invoices/nope/chorus-pro-deposit', { depositedOn: '2026-11-25', flowNumber: FLOW })).statusCode, 404);
});

t.test('the invoice list shows the deposit status and filters what is not yet deposited; the detail page records it', async (t) => {
  const { finance, buyerInvoice, callForFunds, privateInvoice } = await invoicedOrders(t);
  const detail = `/finances/factures/${buyerInvoice.id}`;
  const refused = await form(finance, `${detail}/chorus-pro`, { depositedOn: '2026-11-25', flowNumber: 'CPP123' });
  t.equal(refused.statusCode, 400);
  t.match(refused.body, /Dépôt non enregistré : vérifiez numéro de flux/);
  t.match(refused.body, /value="CPP123"/, 'the input is kept');
  const future = await form(finance, `${detail}/chorus-pro`, { depositedOn: '2027-01-05', flowNumber: FLOW });
  t.equal(future.statusCode, 422);
  t.match(future.body, /fr-input-group--error/);
  t.match(future.body, /postérieure à aujourd’hui/);

  const saved = await form(finance, `${detail}/chorus-pro`, { depositedOn: '2026-11-25', flowNumber: FLOW });
  t.equal(saved.statusCode, 303);
  const page = await finance.inject({ method: 'GET', url: saved.headers.location as string });
  t.match(page.body, /Déposé sur Chorus Pro le 25 novembre 2026, n° de flux <span class="pn-secret">CPP0011117000000000414554<\/span>/);
  t.match(page.body, /Corriger le dépôt/);
  t.match(page.body, /Historique du dépôt/);

  const all = (await finance.inject({ method: 'GET', url: '/finances/factures' })).body;
  t.match(all, /Déposé le 25 novembre 2026/);
  t.match(all, /Pas encore déposés \(1\)/, 'the call for funds is still to deposit; the private invoice is not concerned');
  t.match(all, /Sans objet/);
  const pending = (await finance.inject({ method: 'GET', url: '/finances/factures?depot=a-deposer' })).body;
  t.match(pending, new RegExp(callForFunds.number));
  t.notMatch(pending, new RegExp(`>${buyerInvoice.number}<`));
  t.notMatch(pending, new RegExp(`>${privateInvoice.number}<`));
});

t.test('a credit note’s deposit is recorded by API and page alike', async (t) => {
  const { app, clock, world, publicOrder } = await invoicedOrders(t);
  clock.set('2027-08-05T09:00:00Z');
  t.equal((await (await loginAs(app, world.operatorAdmin)).inject({ method: 'POST', url: `/api/v1/orders/${publicOrder.id}/expire` })).statusCode, 200);
  const fresh = await loginAs(app, world.operatorFinance);
  const [note] = (await fresh.inject({ method: 'GET', url: '/api/v1/credit-notes' })).json().items;
  t.ok(note, 'a credit note was issued');
  const url = `/api/v1/credit-notes/${note.id}/chorus-pro-deposit`;
  t.match((await fresh.inject({ method: 'GET', url: '/finances/avoirs?depot=a-deposer' })).body, new RegExp(note.number));
  t.equal((await put(fresh, url, { depositedOn: '2027-08-04', flowNumber: FLOW })).statusCode, 422, 'not before the credit note was issued');
  t.equal((await put(fresh, url, { depositedOn: '2027-08-05', flowNumber: FLOW })).statusCode, 201);
  const list = (await fresh.inject({ method: 'GET', url: '/finances/avoirs?depot=a-deposer' })).body;
  t.notMatch(list, new RegExp(`>${note.number}<`));
  t.match((await fresh.inject({ method: 'GET', url: `/finances/avoirs/${note.id}` })).body, /Déposé sur Chorus Pro le 5 août 2027/);
});

t.test('the deposit is one more filter of the invoices list: its count, its search and its whole CSV follow it', async (t) => {
  const { finance, buyerInvoice, callForFunds, privateInvoice } = await invoicedOrders(t);
  t.equal((await put(finance, `/api/v1/invoices/${buyerInvoice.id}/chorus-pro-deposit`, { depositedOn: '2026-11-25', flowNumber: FLOW })).statusCode, 201);

  const pending = (await finance.inject({ method: 'GET', url: '/finances/factures?depot=a-deposer' })).body;
  t.match(pending, /Factures : 1 résultat</, 'the count is the filtered one, not the whole list');
  t.match(pending, /<option value="a-deposer" selected>Pas encore déposés \(1\)<\/option>/);
  t.equal(exportHref(pending), '/finances/factures?depot=a-deposer&format=csv', 'the export keeps the filter');
  const pendingCsv = csvDataLines((await finance.inject({ method: 'GET', url: '/finances/factures?depot=a-deposer&format=csv' })).body);
  t.equal(pendingCsv.length, 1, 'only the call for funds is still to deposit');
  t.match(pendingCsv[0], new RegExp(`^${callForFunds.number};.*;À déposer sur Chorus Pro;$`));

  const depositedCsv = (await finance.inject({ method: 'GET', url: '/finances/factures?depot=deposes&format=csv' })).body;
  t.match(csvHeader(depositedCsv), /;Chorus Pro;Déposé sur Chorus Pro le$/);
  t.same(csvDataLines(depositedCsv).map((line) => line.split(';')[0]), [buyerInvoice.number]);
  t.match(csvDataLines(depositedCsv)[0], /;Déposé sur Chorus Pro;2026-11-25$/);

  const all = csvDataLines((await finance.inject({ method: 'GET', url: '/finances/factures?format=csv' })).body);
  t.match(all.find((line) => line.startsWith(`${privateInvoice.number};`)), /;Sans objet \(acheteur privé\);$/, 'a private buyer’s invoice is neither to deposit nor deposited');
  const searched = (await finance.inject({ method: 'GET', url: `/finances/factures?depot=a-deposer&q=${buyerInvoice.number}` })).body;
  t.match(searched, /Aucune facture ne correspond à cette recherche/, 'the search and the deposit filter narrow together');
});

t.test('credit notes: the deposit filter narrows the whole CSV too, and each note says who it is addressed to', async (t) => {
  const { app, clock, world, publicOrder } = await invoicedOrders(t);
  clock.set('2027-08-05T09:00:00Z');
  t.equal((await (await loginAs(app, world.operatorAdmin)).inject({ method: 'POST', url: `/api/v1/orders/${publicOrder.id}/expire` })).statusCode, 200);
  const finance = await loginAs(app, world.operatorFinance);
  const notes: { id: string; number: string }[] = (await finance.inject({ method: 'GET', url: '/api/v1/credit-notes' })).json().items;
  const pendingBefore = csvDataLines((await finance.inject({ method: 'GET', url: '/finances/avoirs?depot=a-deposer&format=csv' })).body);
  t.equal(pendingBefore.length, notes.length, 'every note of a public buyer is still to deposit');
  t.ok(pendingBefore.every((line) => /;(Commanditaire|État \(payeur du programme\));/.test(line)), 'the recipient of each note');
  t.equal((await put(finance, `/api/v1/credit-notes/${notes[0]!.id}/chorus-pro-deposit`, { depositedOn: '2027-08-05', flowNumber: FLOW })).statusCode, 201);
  const pendingAfter = csvDataLines((await finance.inject({ method: 'GET', url: '/finances/avoirs?depot=a-deposer&format=csv' })).body);
  t.equal(pendingAfter.length, notes.length - 1);
  t.notOk(pendingAfter.some((line) => line.startsWith(`${notes[0]!.number};`)), 'the deposited note left the export');
  t.match((await finance.inject({ method: 'GET', url: '/finances/avoirs?depot=deposes' })).body, /Avoirs : 1 résultat</);
});
