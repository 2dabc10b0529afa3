import t from 'tap';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { users } from '../../db/schema/accounts.ts';
import { orders } from '../../db/schema/orders.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';
import { loginAs } from '../helpers/app.ts';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';
import { createApprovedOrder, createUser, type TestUser } from '../helpers/fixtures.ts';

// A journey of a dozen pages with axe on a shared machine: a bound against a hang, not a measure.
t.setTimeout(10 * 60_000);

const BUYER = 'commandes@departement31.demo';
const OPERATOR = 'admin@operateur.demo';
const CCAS = 'accueil@ccas-colomiers.demo';

/** The checkbox of a DSFR confirmation: its label covers it, so the label is what a person clicks. */
const confirm = (page: Page, id: string) => page.locator(`label[for="${id}"]`).click();

/**
 * Issue 18's "Done when", on the demo data: a buyer sees where and for what its passes went and
 * which prescribers' booklets sleep, approves the J-15 blocking and signs the closing statement;
 * an ANCT user checks the priority-public quota of a programme; anyone reads the figures of their
 * département. Every page passes axe (WCAG 2.1 A/AA).
 */
t.test('oversight: the buyer’s usage and end of validity, the prescriber’s blocked stock, the State’s programme, the public statistics', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl } = await startDemoServer(t);
  const db = app.db;
  const userOf = (email: string) => db.select().from(users).where(eq(users.email, email)).get()! as unknown as TestUser;

  // What the demo does not have: ANCT, the programme it funds, and an order ten days from its end.
  const operator = await loginAs(app, { email: OPERATOR, password: DEMO_PASSWORD });
  const anct = (await operator.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'state', name: 'Agence nationale de la cohésion des territoires' } })).json();
  const anctUser = await createUser(db, { id: anct.id, kind: 'state', name: anct.name }, { role: 'agent' });
  const program = db.select().from(cofinancingPrograms).get()!;
  const terms = await operator.inject({ method: 'PUT', url: `/api/v1/cofinancing-programs/${program.id}/state-terms`, payload: { stateOrganisationId: anct.id, paysOn: 'purchase', priorityQuotaBasisPoints: 5000 } });
  t.equal(terms.statusCode, 200, terms.body);
  const ending = createApprovedOrder(db, app.clock, { buyer: userOf(BUYER), operator: userOf(OPERATOR), bookletCount: 6, validFrom: '2026-09-01', validUntil: '2026-12-05', funded: true });
  const buyerApi = await loginAs(app, { email: BUYER, password: DEMO_PASSWORD });
  const ccasOrg = userOf(CCAS).organisationId;
  t.equal((await buyerApi.inject({ method: 'POST', url: `/api/v1/orders/${ending.id}/prescribers`, payload: { prescriberId: ccasOrg } })).statusCode, 201);
  t.equal((await buyerApi.inject({ method: 'POST', url: '/api/v1/allotments', payload: { orderId: ending.id, prescriberId: ccasOrg, bookletCount: 3 } })).statusCode, 201);
  const current = db.select().from(orders).where(eq(orders.status, 'approved')).all().find((o) => o.id !== ending.id)!;
  const expired = db.select().from(orders).where(eq(orders.status, 'closed')).get()!;

  // The buyer: where, when and for what its passes went, and the booklets that sleep.
  const buyer = await (await browser.newContext()).newPage();
  await loginInBrowser(buyer, baseUrl, BUYER, DEMO_PASSWORD);
  await buyer.goto(`${baseUrl}/commandes/${current.id}`);
  await buyer.getByRole('link', { name: /Utilisation des pass/ }).first().click();
  await buyer.waitForURL(/\/utilisation$/);
  t.same(await axeViolations(buyer), [], 'usage dashboard: no axe violation');
  const table = (caption: string) => buyer.locator('table', { has: buyer.locator('caption', { hasText: caption }) }).innerText();
  t.match(await buyer.locator('main').innerText(), /chiffres arrêtés à la fin d’octobre 2026/, 'buyers see the snapshot of the last settled month (25 November: October)');
  t.match(await table('Pass utilisés par service'), /Compréhension du monde numérique\s+5/, 'for what: the services tagged at redemption');
  t.match(await table('Pass utilisés par service'), /Loisirs et créations numériques\s+secret statistique/, 'small counts masked, said « secret statistique »');
  t.match(await table('Pass utilisés par lieu'), /Médiathèque de Blagnac\s+Blagnac\s+Toulouse Métropole\s+5/, 'where: place, commune and EPCI');
  const prescribers = await table('Carnets et pass par prescripteur');
  t.match(prescribers, /CCAS de Colomiers\s+10\s+8\s+8/, 'which prescribers’ booklets sleep: held, handed out, never started');
  t.match(prescribers, /Mission locale de Toulouse\s+15\s+14\s+12/);

  // The J-15 blocking of the order that ends in ten days.
  await buyer.goto(`${baseUrl}/commandes/${ending.id}/fin-de-validite`);
  t.same(await axeViolations(buyer), [], 'end-of-validity page: no axe violation');
  t.match(await buyer.locator('main').innerText(), /6 carnets jamais remis, soit 30 pass pour 300,00/, 'the list and the amount it blocks');
  await confirm(buyer, 'confirm-blocage');
  await buyer.getByRole('button', { name: 'Approuver le blocage' }).click();
  t.match(await buyer.locator('.fr-alert--success').innerText(), /Blocage approuvé/);
  t.same(await axeViolations(buyer), [], 'after the blocking: no axe violation');

  // The prescriber sees it on its stock.
  const ccas = await (await browser.newContext()).newPage();
  await loginInBrowser(ccas, baseUrl, CCAS, DEMO_PASSWORD);
  await ccas.goto(`${baseUrl}/mon-stock`);
  t.match(await ccas.locator(`[data-end-of-validity="${ending.reference}"]`).innerText(), /ne remettez plus les 3 carnets que vous détenez/);
  t.same(await axeViolations(ccas), [], 'stock page with the blocking notice: no axe violation');

  // The expired order's closing statement, signed by the buyer.
  await buyer.goto(`${baseUrl}/commandes/${expired.id}/fin-de-validite`);
  t.same(await axeViolations(buyer), [], 'expired order’s end of validity: no axe violation');
  const pdf = await buyer.request.get(`${baseUrl}/api/v1/orders/${expired.id}/closing-statement.pdf`);
  t.equal(pdf.status(), 200);
  t.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-', 'the closing statement');
  await confirm(buyer, 'confirm-signature');
  await buyer.getByRole('button', { name: 'Signer le relevé' }).click();
  t.match(await buyer.locator('.fr-alert--success').innerText(), /Relevé de clôture signé/);
  t.match(await buyer.locator('main').innerText(), /Relevé de clôture signé par le commanditaire — fait le/);

  // ANCT checks the programme's priority-public quota.
  const state = await (await browser.newContext()).newPage();
  await loginInBrowser(state, baseUrl, anctUser.email, anctUser.password);
  await state.goto(`${baseUrl}/etat/programmes`);
  t.same(await axeViolations(state), [], 'the State’s programmes: no axe violation');
  await state.getByRole('link', { name: program.name }).click();
  await state.waitForURL(/\/etat\/programmes\/[^/]+$/);
  t.same(await axeViolations(state), [], 'programme report: no axe violation');
  const report = await state.locator('main').innerText();
  t.match(report, /40,9 % des 22 carnets distribués sont allés à des publics prioritaires, pour un quota de 50 % : quota non atteint/, 'the priority-public share against the quota');
  t.match(report, /Département de la Haute-Garonne/, 'per buyer and territory');

  // Anyone, anonymous: the figures of their département.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`${baseUrl}/statistiques`);
  t.same(await axeViolations(visitor), [], '/statistiques: no axe violation');
  await visitor.getByLabel('Votre département').selectOption('31');
  await visitor.getByRole('button', { name: 'Afficher' }).click();
  await visitor.waitForURL(/departement=31/);
  t.same(await axeViolations(visitor), [], '/statistiques for a département: no axe violation');
  const stats = await visitor.locator('main').innerText();
  t.match(stats, /Haute-Garonne \(31\)/);
  t.match(stats, /3 lieux labellisés aujourd’hui/);
  const months = await visitor.locator('table', { has: visitor.locator('caption', { hasText: 'Pass par mois — Haute-Garonne' }) }).innerText();
  t.match(months, /septembre 2026\s+2\s000\s+secret statistique\s+secret statistique\s+50,00\s€/, 'month by month, masked cells said as such');
  t.notMatch(months, /< 5/, 'never "< 5" for a cell that may be a large one hidden with a small one');
  t.match(stats, /Chaque mois est publié une fois/, 'with the method against differencing two exports');
});
