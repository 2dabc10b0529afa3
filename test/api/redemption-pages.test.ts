import t, { type Test } from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { formatPassCode } from '../../server/modules/booklets/pass-code.ts';
import { usableSites } from '../../server/modules/places/places.nearby.ts';

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 5, territory: { departements: ['31'] }, funded: true });
  const [booklet] = await bookletsOf(ctx.db, order.id);
  const codes = await handOutBooklet(ctx.db, booklet!.id);
  const place = await createPlace(ctx.db, { name: 'EPN de Muret', sites: [{ communeCode: '31395', name: 'EPN centre' }] });
  return { ...ctx, world, order, codes, place, agent: await loginAs(ctx.app, place.agent) };
}

t.test('without JavaScript the scan form redeems and shows the big verdict', async (t) => {
  const { agent, codes, place } = await setup(t);
  const page = await agent.inject({ method: 'GET', url: '/encaisser' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /id="verdict"[^>]*role="status"[^>]*aria-live="polite"/, 'the live region is there before any verdict');
  t.match(page.body, /Lieu d’accueil : EPN centre/);
  t.match(page.body, /src="\/static\/js\/scan\.js"/);
  const post = (code: string, action = 'encaisser') =>
    agent.inject({ method: 'POST', url: '/encaisser', payload: { code, action, siteId: place.siteIds[0]! }, headers: { accept: 'text/html' } });
  const accepted = await post(formatPassCode(codes[0]!));
  t.equal(accepted.statusCode, 200);
  t.match(accepted.body, /Pass accepté — 10,00\s€/);
  t.match(accepted.body, /Annuler cet encaissement/);
  const again = await post(codes[0]!);
  t.equal(again.statusCode, 409);
  t.match(again.body, /Pass déjà utilisé/);
  t.match(again.body, /25\/11\/2026 11:00/);
  const tested = await post(codes[1]!, 'tester');
  t.match(tested.body, /Pass valable — 10,00\s€/);
  t.match(tested.body, /Rien n’a été encaissé/);
  t.match(tested.body, /valable jusqu’au 31 octobre 2027 \(date imprimée\), avec un délai de grâce jusqu’au 1er décembre 2027/, 'the printed end and the grace period, each said apart');
  const typo = await post(`${codes[2]!.slice(0, 19)}${codes[2]!.endsWith('0') ? '1' : '0'}`);
  t.equal(typo.statusCode, 404);
  t.match(typo.body, /Pass introuvable/);
  t.match(typo.body, /mal saisi/);
  const empty = await post('');
  t.equal(empty.statusCode, 400);
});

t.test('the month page lists the redemptions with the total and lets the place cancel a recent one', async (t) => {
  const { agent, codes } = await setup(t);
  const first = (await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[0] } })).json();
  await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[1] } });
  const page = await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /novembre 2026/);
  t.match(page.body, /<strong>2<\/strong> pass encaissés, <strong>20,00\s€<\/strong>/);
  t.match(page.body, 'href="/mon-lieu/encaissements?mois=2026-11&amp;format=csv"', 'the export is the month shown, with its filters');
  const csv = await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements?mois=2026-11&format=csv' });
  t.equal(csv.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n').length, 3, 'header and the two redemptions');
  const recap = await agent.inject({ method: 'POST', url: `/encaisser/annuler/${first.id}`, payload: { retour: 'liste' } });
  t.equal(recap.statusCode, 200, 'cancelling first shows what will happen');
  t.match(recap.body, /Annuler cet encaissement/);
  t.match(recap.body, /Le pass redevient utilisable/);
  const unchanged = await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements' });
  t.match(unchanged.body, /<strong>2<\/strong> pass encaissés/, 'nothing changed before confirming');
  const cancel = await agent.inject({ method: 'POST', url: `/encaisser/annuler/${first.id}`, payload: { retour: 'liste', confirmation: 'oui' } });
  t.equal(cancel.statusCode, 303);
  t.equal(cancel.headers.location, '/mon-lieu/encaissements?message=annule');
  const after = await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements?message=annule' });
  t.match(after.body, /<strong>1<\/strong> pass encaissé, <strong>10,00\s€<\/strong> à rembourser ; 1 encaissement annulé/);
});

t.test('the scanner’s decoder and its wasm are served by us, to anyone, from node_modules', async (t) => {
  const { app } = await setup(t);
  const js = await app.inject({ method: 'GET', url: '/vendor/barcode-detector/ponyfill.js' });
  t.equal(js.statusCode, 200);
  t.match(js.headers['content-type'], /javascript/);
  const glue = await app.inject({ method: 'GET', url: '/vendor/barcode-detector/zxing-exported.js' });
  t.equal(glue.statusCode, 200);
  t.notMatch(glue.body, /from ["']zxing-wasm/, 'no bare import left for the browser to resolve');
  const wasm = await app.inject({ method: 'GET', url: '/vendor/zxing-wasm/zxing_reader.wasm' });
  t.equal(wasm.statusCode, 200);
  t.equal(wasm.headers['content-type'], 'application/wasm');
  t.equal(wasm.rawPayload.subarray(0, 4).toString('hex'), '0061736d', 'a WebAssembly binary');
});

t.test('where a pass can be used: labelled sites inside the territory, nearest first, nothing else', async (t) => {
  const { db } = await setup(t);
  await createPlace(db, { name: 'Médiathèque de Blagnac', sites: [{ communeCode: '31069', name: 'Médiathèque' }] });
  await createPlace(db, { name: 'Fablab de Saint-Gaudens', sites: [{ communeCode: '31483', name: 'Fablab' }] });
  await createPlace(db, { name: 'Cap Sciences', sites: [{ communeCode: '33063', name: 'Bordeaux' }] });
  await createPlace(db, { name: 'Candidat', status: 'applied', sites: [{ communeCode: '31555', name: 'Pas labellisé' }] });
  const near = usableSites(db, { territory: { departements: ['31'] }, nearCommuneCode: '31069' });
  t.same(near.map((s) => s.siteName), ['Médiathèque', 'EPN centre', 'Fablab']);
  t.same(near.map((s) => s.proximity), [0, 2, 2]);
  t.match(near[0], { placeName: 'Médiathèque de Blagnac', communeName: 'Blagnac', services: ['Maîtrise des outils numériques du quotidien'] });
  const toulouseMetropole = usableSites(db, { territory: { epcis: ['243100518'] }, nearCommuneCode: '31555' });
  t.same(toulouseMetropole.map((s) => s.siteName), ['Médiathèque'], 'Blagnac is in Toulouse Métropole, Muret is not');
  t.equal(usableSites(db, { territory: null }).length, 4, 'all of France: every labelled site');
});
