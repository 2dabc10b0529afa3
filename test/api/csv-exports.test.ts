import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, createOrganisation, createPlace, seedReference, seedWorld } from '../helpers/fixtures.ts';

/** Data lines of a CSV export: BOM and header row set aside. */
const dataLines = (body: string) => body.replace(/^\uFEFF/, '').trimEnd().split('\r\n').slice(1);

/** The cells of one CSV line as a spreadsheet reads them (';' separator, "" for a quote inside quotes). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') { cell += '"'; i++; }
    else if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) { out.push(cell); cell = ''; }
    else cell += c;
  }
  return [...out, cell];
}

t.test('a CSV export holds every row the list matches, not one page', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 600, passesPerBooklet: 1 });
  const buyer = await loginAs(app, world.buyerAdmin);
  const json = (await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets?limit=50` })).json();
  t.equal(json.items.length, 50, 'the JSON list is paged');
  t.ok(json.nextCursor);
  const csv = await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets?limit=50&format=csv` });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = dataLines(csv.body);
  t.equal(lines.length, 600, 'all 600 booklets, beyond the 500 rows of the largest page');
  t.equal(new Set(lines.map((l) => l.split(';')[0])).size, 600, 'each booklet once');

  for (let i = 0; i < 5; i++) await createPlace(db, { name: `Lieu numéro ${i}` });
  const operator = await loginAs(app, world.operatorAdmin);
  const places = await operator.inject({ method: 'GET', url: '/api/v1/places?limit=2&format=csv' });
  t.equal(dataLines(places.body).length, 5, 'every place, whatever the page size asked');
  const orders = await operator.inject({ method: 'GET', url: '/api/v1/orders?limit=1&format=csv' });
  t.equal(dataLines(orders.body).length, 1);
});

t.test('codes keep their leading zeros when the CSV is opened in a spreadsheet', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  createOrganisation(db, { kind: 'prescriber', name: 'CCAS de Bourg-en-Bresse', siret: '00230456700017', communeCode: '01053' });
  const operator = await loginAs(app, world.operatorAdmin);
  const csv = await operator.inject({ method: 'GET', url: '/api/v1/organizations?format=csv' });
  const bourg = cells(dataLines(csv.body).find((l) => l.includes('Bourg-en-Bresse'))!);
  t.equal(bourg[3], '="00230456700017"', 'the SIRET is read as the text 00230456700017');
  t.equal(bourg[4], 'Bourg-en-Bresse', 'the commune by its name');
  t.equal(bourg[5], '="01053"', 'its INSEE code as text');
  const toulouse = cells(dataLines(csv.body).find((l) => l.includes('Département de test'))!);
  t.same(toulouse.slice(4, 6), ['Toulouse', '31555'], 'a code without a leading zero stays plain');
});

t.test('a place under review is not called « labellisé » in the organisations list', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  await createPlace(db, { name: 'Tiers-lieu en examen', status: 'applied' });
  const operator = await loginAs(app, world.operatorAdmin);
  const csv = await operator.inject({ method: 'GET', url: '/api/v1/organizations', headers: { accept: 'text/csv' } });
  t.match(csv.body, /;Lieu d’accueil;Tiers-lieu en examen;/);
  t.notMatch(csv.body, 'Lieu labellisé');
});
