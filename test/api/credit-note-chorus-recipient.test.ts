import t from 'tap';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createOrganisation, createProgram, createUser, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { postOrder, untargetedOrder } from '../helpers/orders.ts';
import { csvDataLines } from '../helpers/lists.ts';

/**
 * Whether a credit note goes through Chorus Pro depends on its recipient, not on the order's buyer:
 * a private buyer's co-financed order expires into a State note addressed to the programme's payer
 * (public: Chorus Pro) and a buyer note addressed to the company (private: not concerned). The list
 * filter (SQL), the detail page and the deposit record all read the same rule.
 */
const FLOW = 'CPP0011117000000000414554';
const put = (s: Session, url: string, payload: Record<string, unknown>) => s.inject({ method: 'PUT', url, payload });

t.test('a private buyer’s expired co-financed order: the State note goes through Chorus Pro, the buyer note does not', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const program = createProgram(db, { eligibleBuyerTypes: ['private', 'commune'] });
  const company = createOrganisation(db, { kind: 'buyer', name: 'Entreprise Solidaire', buyerType: 'private', communeCode: '31555' });
  const companyAdmin = await loginAs(app, await createUser(db, company, { role: 'admin' }));
  const operator = await loginAs(app, world.operatorAdmin);
  const created = await postOrder(companyAdmin, { ...untargetedOrder, bookletCount: 2, passesPerBooklet: 5, validUntil: '2027-06-30', cofinancingProgramId: program.id });
  t.equal(created.statusCode, 201, created.body);
  const order = created.json();
  t.ok(order.stateShareCents > 0, 'the order is co-financed by the State');
  t.equal((await operator.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` })).statusCode, 200);
  clock.set('2027-08-05T09:00:00Z');
  // Sessions do not outlive the jump in time: log in again.
  t.equal((await (await loginAs(app, world.operatorAdmin)).inject({ method: 'POST', url: `/api/v1/orders/${order.id}/expire` })).statusCode, 200);

  const finance = await loginAs(app, world.operatorFinance);
  const notes: { id: string; number: string; party: 'buyer' | 'state' }[] = (await finance.inject({ method: 'GET', url: `/api/v1/credit-notes?orderId=${order.id}` })).json().items;
  const stateNote = notes.find((n) => n.party === 'state')!;
  const buyerNote = notes.find((n) => n.party === 'buyer')!;
  t.ok(stateNote && buyerNote, 'one note per party');

  // The deposit record (API) and its status.
  t.equal((await finance.inject({ method: 'GET', url: `/api/v1/credit-notes/${stateNote.id}/chorus-pro-deposit` })).json().status, 'pending');
  t.equal((await finance.inject({ method: 'GET', url: `/api/v1/credit-notes/${buyerNote.id}/chorus-pro-deposit` })).json().status, 'not_applicable');

  // The list filter, in SQL, and its CSV.
  const pending = (await finance.inject({ method: 'GET', url: '/finances/avoirs?depot=a-deposer' })).body;
  t.match(pending, new RegExp(`>${stateNote.number}<`), 'the State note is to deposit');
  t.notMatch(pending, new RegExp(`>${buyerNote.number}<`), 'the company’s note is not');
  t.match(pending, /Pas encore déposés \(1\)/);
  const csv = csvDataLines((await finance.inject({ method: 'GET', url: '/finances/avoirs?format=csv' })).body);
  t.match(csv.find((line) => line.startsWith(`${stateNote.number};`)), /;À déposer sur Chorus Pro;$/);
  t.match(csv.find((line) => line.startsWith(`${buyerNote.number};`)), /;Sans objet \(acheteur privé\);$/);

  // The detail pages.
  const stateDetail = (await finance.inject({ method: 'GET', url: `/finances/avoirs/${stateNote.id}` })).body;
  t.notMatch(stateDetail, /adressé à un acheteur privé/);
  t.match(stateDetail, /name="flowNumber"/, 'finance can record the State note’s deposit');
  t.match((await finance.inject({ method: 'GET', url: `/finances/avoirs/${buyerNote.id}` })).body, /adressé à un acheteur privé/);

  // Recording the deposit.
  const refused = await put(finance, `/api/v1/credit-notes/${buyerNote.id}/chorus-pro-deposit`, { depositedOn: '2027-08-05', flowNumber: FLOW });
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'chorus_pro_not_applicable');
  t.equal((await put(finance, `/api/v1/credit-notes/${stateNote.id}/chorus-pro-deposit`, { depositedOn: '2027-08-05', flowNumber: FLOW })).statusCode, 201);
  const deposited = (await finance.inject({ method: 'GET', url: '/finances/avoirs?depot=deposes' })).body;
  t.match(deposited, /Avoirs : 1 résultat</);
  t.match(deposited, new RegExp(`>${stateNote.number}<`));
});
