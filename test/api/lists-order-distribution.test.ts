import t, { type Test } from 'tap';
import { and, eq } from 'drizzle-orm';
import { booklets } from '../../db/schema/booklets.ts';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createApprovedOrder, createOrganisation, createUser, seedReference, seedWorld, type TestOrganisation } from '../helpers/fixtures.ts';
import { post } from '../helpers/handed-out-order.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, paginationItems, tableRows } from '../helpers/lists.ts';

/*
 * An order's distribution page holds two lists: its designated prescribers and its movements.
 * 56 prescribers, 65 movements: both run to a second page, each paged by its own parameters.
 */

/** The part of the page from one list's heading to the next heading. */
const section = (html: string, id: string) => new RegExp(`<h2[^>]*id="${id}"[\\s\\S]*?(?=<h2|$)`).exec(html)?.[0] ?? '';
const designations = (html: string) => section(html, 'prescripteurs');
const movements = (html: string) => section(html, 'mouvements');
const rowsOf = (html: string) => tableRows(html);
const decoded = (href: string | null) => href!.replace(/&amp;/g, '&');

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, bookletCount: 80, passesPerBooklet: 1 });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const designate = async (prescriberId: string) => t.equal((await post(buyer, `/api/v1/orders/${order.id}/prescribers`, { prescriberId })).statusCode, 201);
  const allot = async (prescriberId: string, bookletCount: number): Promise<string[]> => {
    const res = await post(buyer, '/api/v1/allotments', { orderId: order.id, prescriberId, bookletCount });
    t.equal(res.statusCode, 201);
    return res.json().serials;
  };
  // 55 CCAS, one booklet each (55 allotments); the one of Bourg-en-Bresse has a SIRET with a leading zero.
  const ccas: TestOrganisation[] = [];
  for (let i = 1; i <= 55; i++) {
    const bourg = i === 7;
    const org = createOrganisation(ctx.db, {
      kind: 'prescriber',
      name: `CCAS ${String(i).padStart(2, '0')}${bourg ? ' de l’Ain' : ''}`,
      communeCode: bourg ? '01053' : '31555',
      siret: bourg ? '01234567800015' : `3123456780${String(i).padStart(4, '0')}`,
    });
    await designate(org.id);
    await allot(org.id, 1);
    ccas.push(org);
  }
  // The Mission locale gets ten (one allotment), hands out eight in December: six to Bourg-en-Bresse, two to Colomiers.
  await designate(world.prescriber.id);
  const serials = await allot(world.prescriber.id, 10);
  ctx.clock.set('2026-12-10T10:00:00.000Z');
  const prescriber = await loginAs(ctx.app, world.prescriberAdmin);
  for (const [i, serial] of serials.slice(0, 8).entries()) {
    const res = await post(prescriber, '/api/v1/distributions', { bookletSerial: serial, publicCategory: 'demandeurs_emploi', communeCode: i < 6 ? '01053' : '31149' });
    t.equal(res.statusCode, 201);
  }
  // The CCAS 01 hands its booklet out too (1: masked for the buyer) and the Mission locale gives one back.
  const ccas01 = await createUser(ctx.db, ccas[0]!, { role: 'admin' });
  const ccas01Serial = ctx.db.select({ serial: booklets.serial }).from(booklets).where(and(eq(booklets.holderId, ccas[0]!.id), eq(booklets.orderId, order.id))).get()!;
  t.equal((await post(await loginAs(ctx.app, ccas01), '/api/v1/distributions', { bookletSerial: ccas01Serial.serial, publicCategory: 'demandeurs_emploi', communeCode: '31555' })).statusCode, 201);
  const buyerAgain = await loginAs(ctx.app, world.buyerAdmin);
  t.equal((await post(buyerAgain, '/api/v1/allotments/returns', { orderId: order.id, prescriberId: world.prescriber.id, bookletCount: 1 })).statusCode, 201);
  return { ...ctx, world, order, serials, ccas, buyer: await loginAs(ctx.app, world.buyerAdmin), operator: await loginAs(ctx.app, world.operatorAdmin) };
}

t.test('the designated prescribers: pages of 50, search by name, SIRET or commune, a stock filter, sorts, the whole CSV with codes as text', async (t) => {
  const ctx = await setup(t);
  const base = `/distribution/commandes/${ctx.order.id}`;
  const get = (s: Session, url: string) => s.inject({ method: 'GET', url });

  const first = await get(ctx.buyer, base);
  t.equal(first.statusCode, 200);
  const list = designations(first.body);
  t.match(list, 'Prescripteurs désignés : 56 résultats');
  t.equal(rowsOf(list).length, 50, '50 a page');
  t.same(paginationItems(list), ['1', '2', 'Suivante', 'Dernière page']);
  t.match(rowsOf(list)[0], /^CCAS 01 Toulouse · SIRET 31234567800001 /, 'by name, with the commune and SIRET');
  const second = designations((await get(ctx.buyer, `${base}?presc_page=2`)).body);
  t.equal(currentPage(second), 2);
  t.same(rowsOf(second).map((r) => r.split(' ')[0] + ' ' + r.split(' ')[1]), ['CCAS 51', 'CCAS 52', 'CCAS 53', 'CCAS 54', 'CCAS 55', 'Mission locale'], 'the rest on page 2');

  t.same(rowsOf(designations((await get(ctx.buyer, `${base}?presc_q=Bourg-en-Bresse`)).body)).map((r) => r.split(' Bourg')[0]), ['CCAS 07 de l’Ain'], 'by the commune’s name');
  t.equal(rowsOf(designations((await get(ctx.buyer, `${base}?presc_q=01234567800015`)).body)).length, 1, 'by SIRET');
  t.equal(rowsOf(designations((await get(ctx.buyer, `${base}?presc_q=mission+toulouse`)).body)).length, 1, 'words across the name and the commune');
  const empty = designations((await get(ctx.buyer, `${base}?presc_stock=sans`)).body);
  t.match(empty, 'Prescripteurs désignés : 1 résultat', 'the CCAS 01 handed its only booklet out');
  t.match(rowsOf(empty)[0], /^CCAS 01 /);
  t.match(designations((await get(ctx.buyer, `${base}?presc_stock=avec`)).body), 'Prescripteurs désignés : 55 résultats');

  const byHeld = rowsOf(designations((await get(ctx.buyer, `${base}?presc_tri=detenus&presc_ordre=desc`)).body));
  t.match(byHeld[0], /^Mission locale de test .* 1 secret statistique Retirer/, 'one booklet each: ties by name, the same way');
  t.match(rowsOf(designations((await get(ctx.buyer, `${base}?presc_tri=detenus&presc_ordre=asc`)).body))[0], /^CCAS 01 .* 0 secret statistique/, 'the one with none first the other way');
  // For the buyer the 1 and the 0s are hidden, so the 8 is hidden too (their sum would give the 1 away).
  t.ok(rowsOf(list).every((r) => r.includes(' secret statistique ')), 'every handed-out count is masked for the buyer');
  const alone = rowsOf(designations((await get(ctx.buyer, `${base}?presc_q=Mission`)).body));
  t.match(alone[0], /^Mission locale de test .* 1 secret statistique/, 'and stays masked when a search shows it alone: masking is over the whole order');
  const operatorPage = await get(ctx.operator, `${base}?presc_tri=distribues&presc_ordre=desc`);
  t.equal(operatorPage.statusCode, 200);
  const byHanded = rowsOf(designations(operatorPage.body));
  t.match(byHanded[0], /^Mission locale de test .* 1 8$/, 'the operator sees the counts: the most handed out first');
  t.match(byHanded[1], /^CCAS 01 .* 0 1$/);

  const href = exportHref(list);
  t.match(href, `${base}/prescripteurs.csv`);
  const csv = await get(ctx.buyer, decoded(href));
  t.equal(csv.statusCode, 200);
  t.equal(csvHeader(csv.body), 'Prescripteur;SIRET;Commune;Code INSEE;Désigné le;Carnets détenus;Carnets distribués');
  const lines = csvDataLines(csv.body);
  t.equal(lines.length, 56, 'every prescriber, beyond the page of 50');
  t.ok(lines.includes('CCAS 07 de l’Ain;"=""01234567800015""";Bourg-en-Bresse;"=""01053""";2026-11-25 11:00;1;secret statistique'), 'SIRET and INSEE code as text with their zero');
  t.ok(lines.some((l) => l.startsWith('CCAS 01;31234567800001;Toulouse;31555;') && l.endsWith(';0;secret statistique')), 'masked as on the page');
  t.same(csvDataLines((await get(ctx.buyer, decoded(exportHref(empty)))).body).map((l) => l.split(';')[0]), ['CCAS 01'], 'the export keeps the filter');
});

t.test('the movements: pages of 50, search by serial, prescriber or (operator) beneficiary commune, kind and month filters, sort, the whole CSV', async (t) => {
  const ctx = await setup(t);
  const base = `/distribution/commandes/${ctx.order.id}`;
  const get = (s: Session, url: string) => s.inject({ method: 'GET', url });

  const first = movements((await get(ctx.buyer, base)).body);
  t.match(first, 'Mouvements : 66 résultats', '56 allotments, 9 hand-outs, 1 return');
  t.equal(rowsOf(first).length, 50);
  t.match(rowsOf(first)[0], /Rendus au commanditaire/, 'newest first');
  const second = movements((await get(ctx.buyer, `${base}?mvt_page=2`)).body);
  t.equal(currentPage(second), 2);
  t.equal(rowsOf(second).length, 16);

  const inRange = ctx.serials[4]!;
  const bySerial = rowsOf(movements((await get(ctx.buyer, `${base}?mvt_q=${encodeURIComponent(inRange)}`)).body));
  t.equal(bySerial.length, 2, 'a serial inside an allotted range finds the allotment and its hand-out');
  t.match(bySerial[0], /Distribué à un bénéficiaire/);
  t.match(bySerial[1], /Confiés au prescripteur .* Mission locale de test 10/);
  t.same(rowsOf(movements((await get(ctx.buyer, `${base}?mvt_q=Ain`)).body)).length, 1, 'by prescriber');
  t.match(movements((await get(ctx.operator, `${base}?mvt_q=Bourg-en-Bresse`)).body), 'Mouvements : 6 résultats', 'the operator finds hand-outs by the beneficiary’s commune');
  t.match(movements((await get(ctx.operator, `${base}?mvt_q=Bourg-en-Bresse`)).body), 'Bénéficiaire (Bourg-en-Bresse)');
  const buyerByCommune = movements((await get(ctx.buyer, `${base}?mvt_q=Bourg-en-Bresse`)).body);
  t.match(buyerByCommune, 'Aucun mouvement ne correspond à cette recherche.', 'a buyer never sees hand-outs by commune, line by line');
  t.notMatch(movements(first), 'Bénéficiaire (', 'nor the commune in its rows');

  t.match(movements((await get(ctx.buyer, `${base}?mvt_type=distribution`)).body), 'Mouvements : 9 résultats', 'by kind');
  const december = movements((await get(ctx.buyer, `${base}?mvt_mois=2026-12`)).body);
  t.match(december, 'Mouvements : 10 résultats', 'by month: the December hand-outs and the return');
  t.match(december, '<option value="2026-12" selected>décembre 2026</option>');
  t.match(movements((await get(ctx.buyer, `${base}?mvt_mois=2026-11&mvt_type=allotment`)).body), 'Mouvements : 56 résultats');
  t.match(rowsOf(movements((await get(ctx.buyer, `${base}?mvt_tri=carnets&mvt_ordre=desc`)).body))[0], /Confiés au prescripteur .* 10 /, 'by number of booklets');
  t.match(rowsOf(movements((await get(ctx.buyer, `${base}?mvt_tri=date&mvt_ordre=asc`)).body))[0], /Confiés au prescripteur .* CCAS 01 1 /, 'oldest first');

  const csv = await get(ctx.buyer, decoded(exportHref(first)));
  t.equal(csv.statusCode, 200);
  t.equal(csvHeader(csv.body), 'Date;Mouvement;Commande;De;À;Carnets;Numéros;Motif;Par');
  t.equal(csvDataLines(csv.body).length, 66, 'every movement, beyond the page of 50');
  const decemberCsv = csvDataLines((await get(ctx.buyer, decoded(exportHref(december)))).body);
  t.equal(decemberCsv.length, 10, 'the export keeps the filter');
  t.ok(decemberCsv.every((l) => l.startsWith('2026-12-10 11:00;')), 'one date format');
  const operatorCsv = await get(ctx.operator, decoded(exportHref(movements((await get(ctx.operator, `${base}?mvt_q=Bourg-en-Bresse`)).body))));
  t.match(csvHeader(operatorCsv.body), 'À;Commune du bénéficiaire;Code INSEE du bénéficiaire;Carnets');
  const operatorLines = csvDataLines(operatorCsv.body);
  t.equal(operatorLines.length, 6, 'and the search');
  t.ok(operatorLines.every((l) => l.includes(';Bénéficiaire;Bourg-en-Bresse;"=""01053""";1;')), 'the INSEE code as text with its zero');
});

t.test('two lists, each its own pages: paging one keeps the other, and the forms of the page still work', async (t) => {
  const ctx = await setup(t);
  const base = `/distribution/commandes/${ctx.order.id}`;
  const page = await ctx.buyer.inject({ method: 'GET', url: `${base}?presc_page=2&mvt_page=2&mvt_type=allotment` });
  t.equal(currentPage(designations(page.body)), 2);
  t.equal(currentPage(movements(page.body)), 2);
  t.equal(rowsOf(movements(page.body)).length, 6, 'page 2 of the 56 allotments');
  t.match(decoded(/<a class="fr-pagination__link fr-pagination__link--prev[^>]*href="([^"]+)"/.exec(movements(page.body))?.[1] ?? ''), `${base}?presc_page=2&mvt_type=allotment#mouvements`, 'the movements’ links keep the prescribers’ page');
  t.match(decoded(/<a class="fr-pagination__link fr-pagination__link--prev[^>]*href="([^"]+)"/.exec(designations(page.body))?.[1] ?? ''), `${base}?mvt_page=2&mvt_type=allotment#prescripteurs`, 'and the other way');
  t.match(movements(page.body), '<input type="hidden" name="presc_page" value="2">', 'the movements’ search form carries the prescribers’ page');

  const form = (url: string, fields: Record<string, string>) =>
    ctx.buyer.inject({ method: 'POST', url, payload: new URLSearchParams({ _csrf: ctx.buyer.csrfToken, ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const newcomer = createOrganisation(ctx.db, { kind: 'prescriber', name: 'France Services de Muret', communeCode: '31395' });
  t.equal((await form(`${base}/designer`, { prescriberId: newcomer.id })).statusCode, 303, 'designating still works');
  const allotted = await form(`${base}/confier`, { prescriberId: newcomer.id, bookletCount: '2' });
  t.equal(allotted.statusCode, 303, 'and allotting');
  const after = await ctx.buyer.inject({ method: 'GET', url: `${base}?presc_q=Muret` });
  t.match(rowsOf(designations(after.body))[0], /^France Services de Muret Muret .* 2 secret statistique/);
  t.match(after.body, /<option value="[^"]+">CCAS 55<\/option>/, 'the allot form offers every designated prescriber, not one page of them');
});

t.test('scope: another buyer gets a 404 for the page and both CSV files, a prescriber a 403', async (t) => {
  const ctx = await setup(t);
  const base = `/distribution/commandes/${ctx.order.id}`;
  const other = await loginAs(ctx.app, ctx.world.otherBuyerAdmin);
  for (const url of [base, `${base}/prescripteurs.csv`, `${base}/mouvements.csv`]) {
    const res = await other.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, url);
    t.notMatch(res.body, 'CCAS', 'nothing of the order');
  }
  const prescriber = await loginAs(ctx.app, ctx.world.prescriberAdmin);
  t.equal((await prescriber.inject({ method: 'GET', url: `${base}/mouvements.csv` })).statusCode, 403);
  t.equal((await ctx.operator.inject({ method: 'GET', url: `${base}/prescripteurs.csv` })).statusCode, 200, 'the operator reads any order');
});
