import t from 'tap';
import type { Db } from '../../db/client.ts';
import { postEntry, type PostEntryInput } from '../../server/modules/finance/ledger.ts';
import type { Clock } from '../../server/shared/clock.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';

type World = Awaited<ReturnType<typeof seedWorld>>;

const post = (db: Db, clock: Clock, input: PostEntryInput) => db.transaction((tx) => postEntry(tx, clock, input), { behavior: 'immediate' });

/** Two buyers' orders, a redemption at the place, and a payment: enough to tell who sees what. */
function seedJournal(db: Db, clock: Clock, world: World) {
  for (const [buyer, order] of [[world.buyer, 'o1'], [world.otherBuyer, 'o2']] as const) {
    post(db, clock, {
      kind: 'order_approved',
      refType: 'order',
      refId: order,
      label: `Commande ${order}`,
      idempotencyKey: `order:${order}:approved`,
      valueDate: order === 'o1' ? '2026-11-02' : '2026-11-20',
      lines: [
        { account: `buyer:${buyer.id}:receivable`, debitCents: 5000, name: `Créance ${buyer.name}` },
        { account: 'program:prog1:receivable', debitCents: 5000 },
        { account: 'passes:outstanding', creditCents: 10000 },
      ],
    });
  }
  post(db, clock, {
    kind: 'redemption',
    refType: 'redemption',
    refId: 'r1',
    label: 'Encaissement r1',
    idempotencyKey: 'redemption:r1',
    lines: [
      { account: 'passes:outstanding', debitCents: 2000 },
      { account: `place:${world.place.id}:payable`, creditCents: 2000 },
    ],
  });
  post(db, clock, {
    kind: 'payment_received',
    refType: 'payment',
    refId: 'pay1',
    label: 'Virement « Département ; test »',
    idempotencyKey: 'payment:pay1',
    lines: [
      { account: 'bank', debitCents: 1234 },
      { account: `buyer:${world.buyer.id}:receivable`, creditCents: 1234 },
    ],
  });
}

t.test('the finance staff lists every account with its totals and balance', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  seedJournal(db, clock, world);
  const s = await loginAs(app, world.operatorFinance);
  const res = await s.inject({ method: 'GET', url: '/api/v1/ledger/accounts' });
  t.equal(res.statusCode, 200);
  const body = res.json() as { items: { code: string; name: string; debitCents: number; creditCents: number; balanceCents: number }[]; nextCursor: null };
  t.equal(body.nextCursor, null);
  t.same(body.items.find((a) => a.code === 'passes:outstanding'), { code: 'passes:outstanding', name: 'Pass en circulation', debitCents: 2000, creditCents: 20000, balanceCents: -18000 });
  t.same(body.items.find((a) => a.code === `buyer:${world.buyer.id}:receivable`), {
    code: `buyer:${world.buyer.id}:receivable`,
    name: 'Créance Département de test',
    debitCents: 5000,
    creditCents: 1234,
    balanceCents: 3766,
  });
  t.equal(body.items.reduce((sum, a) => sum + a.balanceCents, 0), 0, 'the balances sum to zero');

  const buyers = (await s.inject({ method: 'GET', url: '/api/v1/ledger/accounts?prefix=buyer:' })).json() as typeof body;
  t.same(buyers.items.map((a) => a.code).sort(), [`buyer:${world.buyer.id}:receivable`, `buyer:${world.otherBuyer.id}:receivable`].sort());

  const csv = await s.inject({ method: 'GET', url: '/api/v1/ledger/accounts', headers: { accept: 'text/csv' } });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.ok(csv.body.startsWith('\uFEFF'));
  t.match(csv.body, /Compte;Intitulé;Débit \(€\);Crédit \(€\);Solde débiteur \(€\)/);
  t.match(csv.body, /passes:outstanding;Pass en circulation;20,00;200,00;-180,00/);
});

t.test('the finance staff lists entries with their lines, filtered and paginated by journal order', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  seedJournal(db, clock, world);
  const s = await loginAs(app, world.operatorFinance);

  const first = await s.inject({ method: 'GET', url: '/api/v1/ledger/entries?limit=3' });
  t.equal(first.statusCode, 200);
  const page1 = first.json() as { items: { seq: number; lines: { account: string; accountName: string; debitCents: number; creditCents: number }[] }[]; nextCursor: string };
  t.same(page1.items.map((e) => e.seq), [1, 2, 3]);
  t.same(page1.items[0]!.lines[0], { account: `buyer:${world.buyer.id}:receivable`, accountName: 'Créance Département de test', debitCents: 5000, creditCents: 0 });
  t.ok(page1.nextCursor);
  const page2 = (await s.inject({ method: 'GET', url: `/api/v1/ledger/entries?limit=3&cursor=${page1.nextCursor}` })).json() as typeof page1;
  t.same(page2.items.map((e) => e.seq), [4]);
  t.equal(page2.nextCursor, null);

  const seqs = async (query: string) =>
    ((await s.inject({ method: 'GET', url: `/api/v1/ledger/entries?${query}` })).json() as typeof page1).items.map((e) => e.seq);
  t.same(await seqs('account=bank'), [4]);
  t.same(await seqs('account=place'), [3], 'a path prefix covers the accounts below it');
  t.same(await seqs('refType=order&refId=o2'), [2]);
  t.same(await seqs('from=2026-11-03&to=2026-11-20'), [2]);
  t.same(await seqs('account=buyer:x'), []);
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/ledger/entries?cursor=nope' })).json().code, 'invalid_cursor');
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/ledger/entries?from=2026-13-01' })).statusCode, 400);

  const csv = await s.inject({ method: 'GET', url: '/api/v1/ledger/entries', headers: { accept: 'text/csv' } });
  t.equal(csv.statusCode, 200);
  t.ok(csv.body.startsWith('\uFEFF'));
  const rows = csv.body.slice(1).trimEnd().split('\r\n');
  t.equal(rows[0], 'N° d’écriture;Date de valeur;Nature;Type de pièce;N° de la pièce;Identifiant de la pièce;Libellé;Compte;Intitulé du compte;Débit (€);Crédit (€)');
  t.equal(rows.length, 1 + 3 + 3 + 2 + 2, 'one row per line');
  t.match(csv.body, /4;2026-11-25;Paiement reçu;Paiement;;pay1;"Virement « Département ; test »";bank;Banque;12,34;0,00/);
});

t.test('a buyer sees only the entries touching its own accounts, without other organisations’ lines', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  seedJournal(db, clock, world);
  const s = await loginAs(app, world.buyerAdmin);

  const accounts = (await s.inject({ method: 'GET', url: '/api/v1/ledger/accounts' })).json() as { items: { code: string }[] };
  t.same(accounts.items.map((a) => a.code), [`buyer:${world.buyer.id}:receivable`]);
  t.same((await s.inject({ method: 'GET', url: '/api/v1/ledger/accounts?prefix=bank' })).json().items, [], 'a prefix cannot widen the scope');
  t.same((await s.inject({ method: 'GET', url: `/api/v1/ledger/accounts?prefix=buyer:${world.otherBuyer.id}:` })).json().items, []);

  const entries = (await s.inject({ method: 'GET', url: '/api/v1/ledger/entries' })).json() as { items: { seq: number; lines: { account: string }[] }[] };
  t.same(entries.items.map((e) => e.seq), [1, 4], 'its order and its payment, not the other buyer’s order nor the redemption');
  t.same(entries.items[0]!.lines.map((l) => l.account), [`buyer:${world.buyer.id}:receivable`, 'program:prog1:receivable', 'passes:outstanding']);
  t.same((await s.inject({ method: 'GET', url: `/api/v1/ledger/entries?refId=o2` })).json().items, [], 'filters never reach outside the scope');
  const csv = await s.inject({ method: 'GET', url: '/api/v1/ledger/entries', headers: { accept: 'text/csv' } });
  t.notMatch(csv.body, new RegExp(world.otherBuyer.id));

  const other = await loginAs(app, world.otherBuyerAdmin);
  const theirs = (await other.inject({ method: 'GET', url: '/api/v1/ledger/entries' })).json() as typeof entries;
  t.same(theirs.items.map((e) => e.seq), [2]);

  const place = await loginAs(app, world.placeAdmin);
  const placeEntries = (await place.inject({ method: 'GET', url: '/api/v1/ledger/entries' })).json() as typeof entries;
  t.same(placeEntries.items.map((e) => e.seq), [3]);

  const agent = await loginAs(app, world.buyerAgent);
  t.equal((await agent.inject({ method: 'GET', url: '/api/v1/ledger/entries' })).statusCode, 403, 'agents at the counter do not read the books');
  const prescriber = await loginAs(app, world.prescriberAdmin);
  t.equal((await prescriber.inject({ method: 'GET', url: '/api/v1/ledger/accounts' })).statusCode, 403);
});

t.test('an anonymous caller gets 401', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/api/v1/ledger/accounts', '/api/v1/ledger/entries']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 401);
    t.equal(res.json().code, 'authentication_required');
  }
});

t.test('the Journal page shows entries, the trial balance and a CSV link to finance staff only', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  seedJournal(db, clock, world);
  const s = await loginAs(app, world.operatorFinance);
  const page = await s.inject({ method: 'GET', url: '/finances/journal' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<h1>Journal<\/h1>/);
  t.match(page.body, /fr-badge--success">Balance équilibrée/);
  t.match(page.body, /href="\/finances"[^>]*>Finances</, 'the finance hub is in the navigation');
  t.match((await s.inject({ method: 'GET', url: '/finances' })).body, /href="\/finances\/journal"/, 'the hub links the journal');
  t.match(page.body, /Créance Département de test/, 'a name the caller gave stays');
  t.match(page.body, /Créance État — programme prog1/, 'an id that names no programme stays as stored');
  t.match(page.body, /50,00\s€/);

  const filtered = await s.inject({ method: 'GET', url: '/finances/journal?compte=bank&type=&du=&au=' });
  t.match(filtered.body, /Virement « Département ; test »/);
  t.notMatch(filtered.body, /Commande o2/);
  t.match(filtered.body, /href="\/finances\/journal.csv\?compte=bank"/);

  const invalid = await s.inject({ method: 'GET', url: '/finances/journal?du=demain' });
  t.equal(invalid.statusCode, 400);
  t.match(invalid.body, /fr-input-group--error/);

  const csv = await s.inject({ method: 'GET', url: '/finances/journal.csv?compte=bank' });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-disposition'], /journal\.csv/);
  t.equal(csv.body.slice(1).trimEnd().split('\r\n').length, 3, 'header and the two lines of the payment');

  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/finances/journal' })).statusCode, 403);
  t.notMatch((await buyer.inject({ method: 'GET', url: '/tableau-de-bord' })).body, /\/finances\/journal/);
});

t.test('finance reads documents by their numbers: the order, the masked pass of a redemption, on the page and in the CSV', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const { seedReference, createApprovedOrder, bookletsOf, handOutBooklet, createPlace, actorOf } = await import('../helpers/fixtures.ts');
  const { redeemPass } = await import('../../server/modules/redemption/redemption.service.ts');
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 2, funded: true });
  const [booklet] = await bookletsOf(db, order.id);
  const [code] = await handOutBooklet(db, booklet!.id);
  const place = await createPlace(db, { sites: [{ communeCode: '31555' }] });
  redeemPass({ db, clock, codes: app.passCodes, gracePeriodDays: 31, actor: actorOf(db, place.agent), code: code! });
  const finance = await loginAs(app, world.operatorFinance);
  const entries = (await finance.inject({ method: 'GET', url: '/api/v1/ledger/entries' })).json().items as { refType: string; refNumber: string | null }[];
  t.equal(entries.find((e) => e.refType === 'order')!.refNumber, order.reference, 'the order by its CMD- number');
  const redemption = entries.find((e) => e.refType === 'redemption')!;
  t.equal(redemption.refNumber, `pass …${code!.slice(-4)}`, 'a redemption by its pass, masked but for its last group');
  const page = await finance.inject({ method: 'GET', url: '/finances/journal' });
  t.match(page.body, `<strong>${order.reference}</strong>`);
  t.notMatch(page.body, code!, 'never a whole pass code');
  const csv = await finance.inject({ method: 'GET', url: '/finances/journal.csv' });
  t.match(csv.body, `;Commande;${order.reference};`);
});
