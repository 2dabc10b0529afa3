import t, { type Test } from 'tap';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createProgram, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { orders } from '../../db/schema/orders.ts';

const RODEZ_AGGLO = '241200187';

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db, { minOrderCents: 0 });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  return { ...ctx, world, program, buyer };
}

/** The order form as a browser sends it: url-encoded, repeated names for the ticked boxes. */
function sendForm(session: Session, fields: [string, string][]) {
  const body = new URLSearchParams([['_csrf', session.csrfToken], ...fields]);
  return session.inject({ method: 'POST', url: '/commandes/nouvelle', payload: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

const orderFields = (programId: string): [string, string][] => [
  ['bookletCount', '123'],
  ['passesPerBooklet', '10'],
  ['faceValueEuros', '10,00'],
  ['validFrom', '2027-01-01'],
  ['validUntil', '2027-12-31'],
  ['publics', 'seniors_60_plus'],
  ['cofinancingProgramId', programId],
  ['engagementNumber', 'ENG-2027-42'],
];

const items = (res: { json(): unknown }) => (res.json() as { items: { kind: string; code: string; name: string; label: string }[] }).items;

t.test('territories are found by name, whatever the accents, case, dashes or "St"; by postal code, number or SIREN', async (t) => {
  const { buyer, app } = await setup(t);
  const search = (q: string) => buyer.inject({ method: 'GET', url: `/api/v1/territories?q=${encodeURIComponent(q)}` });

  const rodez = items(await search('rodez'));
  t.same(rodez.slice(0, 2).map((i) => `${i.kind}:${i.code}`), ['communes:12202', `epcis:${RODEZ_AGGLO}`], 'the commune of that name first, then the EPCI whose name starts so');
  t.equal(rodez[1]!.label, `CA Rodez Agglomération (EPCI, ${RODEZ_AGGLO})`, 'shown by name with its kind and code');
  t.same(items(await search('RODEZ-agglomeration')).map((i) => i.code), [RODEZ_AGGLO], 'the legal form may be left out; case and dashes do not matter');
  t.equal(items(await search('st etienne'))[0]!.name, 'Saint-Étienne');
  t.same(items(await search('haute garonne')).map((i) => `${i.kind}:${i.code}`), ['departements:31']);
  t.same(items(await search('31770')).map((i) => i.name), ['Colomiers'], 'a postal code finds its communes');
  t.equal(items(await search('12'))[0]!.label, 'Aveyron (département, 12)', 'a number finds its département first');
  t.same(items(await search(RODEZ_AGGLO)).map((i) => i.kind), ['epcis']);
  t.same(items(await search('xyzzy')), []);

  const short = await search('r');
  t.equal(short.statusCode, 400);
  t.match(short.body, /2 caractères au moins/);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/territories?q=rodez' })).statusCode, 401, 'signed-in users only');
});

t.test('without JavaScript, "Rechercher" brings the form back with the matches to tick and every other field as typed', async (t) => {
  const { buyer, db, program } = await setup(t);
  const res = await sendForm(buyer, [...orderFields(program.id), ['territoires', 'departements:31'], ['territoryQuery', 'rodez'], ['action', 'rechercher-territoire']]);
  t.equal(res.statusCode, 200);
  const page = res.body;
  t.match(page, 'value="123"', 'booklet count kept');
  t.match(page, 'value="ENG-2027-42"', 'engagement number kept');
  t.match(page, /id="public-seniors_60_plus" value="seniors_60_plus" checked/, 'ticked public kept');
  t.match(page, /id="territoryQuery" name="territoryQuery" value="rodez"/, 'the search kept');
  t.match(page, /<input type="hidden" name="territoires" value="departements:31">\s*<span class="pn-territory-label">Haute-Garonne \(département, 31\)<\/span>/, 'the chosen territory shown by name');
  t.match(page, new RegExp(`<input type="checkbox" name="territoires" id="territory-result-\\d+" value="epcis:${RODEZ_AGGLO}">\\s*<label[^>]*>CA Rodez Agglomération \\(EPCI, ${RODEZ_AGGLO}\\)</label>`), 'the match to tick, by name');
  t.equal(db.select().from(orders).all().length, 0, 'nothing ordered by a search');

  const removed = await sendForm(buyer, [...orderFields(program.id), ['territoires', 'departements:31'], ['territoires', 'communes:12202'], ['retirer', 'departements:31']]);
  t.equal(removed.statusCode, 200);
  t.notMatch(removed.body, 'value="departements:31"', '"Retirer" takes the territory out');
  t.match(removed.body, '<input type="hidden" name="territoires" value="communes:12202">', 'and keeps the others');
  t.match(removed.body, 'value="ENG-2027-42"');

  const nothing = await sendForm(buyer, [...orderFields(program.id), ['territoryQuery', 'xyzzy'], ['action', 'rechercher-territoire']]);
  t.match(nothing.body, 'Aucun département, EPCI ni commune ne correspond à cette recherche.');
});

t.test('a buyer ticks "CA Rodez Agglomération": the order holds its SIREN and its page shows its name', async (t) => {
  const { buyer, db, program } = await setup(t);
  const res = await sendForm(buyer, [...orderFields(program.id), ['territoires', `epcis:${RODEZ_AGGLO}`], ['action', 'commander']]);
  t.equal(res.statusCode, 303, res.body.slice(0, 300));
  const order = db.select().from(orders).get()!;
  t.same(order.territory, { epcis: [RODEZ_AGGLO] });
  const page = await buyer.inject({ method: 'GET', url: res.headers.location as string });
  t.match(page.body, 'CA Rodez Agglomération');
  t.notMatch(page.body, RODEZ_AGGLO, 'the order page shows the name, not the SIREN');
});

t.test('a name left in the search box is taken when it names one territory, refused in place when ambiguous or unknown', async (t) => {
  const { buyer, db, program } = await setup(t);
  const ambiguous = await sendForm(buyer, [...orderFields(program.id), ['territoryQuery', 'toulouse'], ['action', 'commander']]);
  t.equal(ambiguous.statusCode, 400);
  t.match(ambiguous.body, /« toulouse » désigne \d+ territoires : cochez celui que vous voulez dans la liste\./);
  t.match(ambiguous.body, 'Toulouse Métropole (EPCI, 243100518)', 'the candidates offered as checkboxes');
  t.match(ambiguous.body, 'value="ENG-2027-42"', 'input kept');
  const unknown = await sendForm(buyer, [...orderFields(program.id), ['territoryQuery', 'xyzzy'], ['action', 'commander']]);
  t.equal(unknown.statusCode, 400);
  t.match(unknown.body, 'Aucun département, EPCI ni commune ne correspond à « xyzzy »');
  t.equal(db.select().from(orders).all().length, 0, 'neither is ordered');

  const unique = await sendForm(buyer, [...orderFields(program.id), ['territoryQuery', 'Rodez Agglomération'], ['action', 'commander']]);
  t.equal(unique.statusCode, 303);
  t.same(db.select().from(orders).get()!.territory?.epcis, [RODEZ_AGGLO]);
});

t.test('a forged or unknown territory value is refused in French, in place', async (t) => {
  const { buyer, db, program } = await setup(t);
  const unreadable = await sendForm(buyer, [...orderFields(program.id), ['territoires', 'pays:FR'], ['action', 'commander']]);
  t.equal(unreadable.statusCode, 400);
  t.match(unreadable.body, 'Territoire illisible : pays:FR.');
  const unknown = await sendForm(buyer, [...orderFields(program.id), ['territoires', 'epcis:999999999'], ['action', 'commander']]);
  t.equal(unknown.statusCode, 400);
  t.match(unknown.body, /<div class="fr-messages-group" id="territory-messages" aria-live="polite">\s*<p class="fr-message fr-message--error">[^<]*999999999/);
  t.notMatch(unknown.body, /Invalid|expected/);
  t.equal(db.select().from(orders).all().length, 0);
});

t.test('Enter in a field (the first button: an empty search) simulates, it never sends the order', async (t) => {
  const { buyer, db, program } = await setup(t);
  const res = await sendForm(buyer, [...orderFields(program.id), ['territoryQuery', ''], ['action', 'rechercher-territoire']]);
  t.equal(res.statusCode, 200);
  t.match(res.body, 'data-quote="buyerInvoiceTotalCents"');
  t.equal(db.select().from(orders).all().length, 0);
});
