import t from 'tap';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';

const screenshots = process.env.SCREENSHOT_DIR;
const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true };

async function fitsThePhone(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

t.test('the buyer allots 10 booklets; the Mission locale hands one out on a phone, refused outside the territory; the dashboard shows it', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);

  // The buyer allots 10 booklets to the Mission locale.
  const buyer = await (await browser.newContext()).newPage();
  await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
  t.same(await axeViolations(buyer), [], 'buyer dashboard with distribution statistics: no axe violation');
  const before = Number((await buyer.locator('[data-count="distributed"]').innerText()).replace(/\s/g, ''));
  await buyer.getByRole('link', { name: 'Prescripteurs et carnets' }).first().click();
  t.match(await buyer.locator('h1').innerText(), /Prescripteurs et carnets/);
  t.same(await axeViolations(buyer), [], 'orders of the distribution network: no axe violation');
  await buyer.getByRole('link', { name: 'CMD-2026-000002' }).click();
  t.same(await axeViolations(buyer), [], 'order distribution page: no axe violation');
  await buyer.locator('#allot-prescriberId').selectOption({ label: 'Mission locale de Toulouse' });
  await buyer.locator('#allot-bookletCount').fill('10');
  await buyer.getByRole('button', { name: 'Confier les carnets' }).click();
  await buyer.waitForURL(/message=confie/);
  t.match(await buyer.locator('.fr-alert--success').innerText(), /10 carnets confiés/);
  t.same(await axeViolations(buyer), [], 'order page after an allotment: no axe violation');
  const held = await buyer.locator('tr', { hasText: 'Mission locale de Toulouse' }).first().locator('td').nth(2).innerText();
  t.equal(held.trim(), '25', '15 held before, 10 more');

  // The Mission locale's agent, on a 360-pixel-wide phone.
  const phone = await (await browser.newContext(PHONE)).newPage();
  await loginInBrowser(phone, baseUrl, 'conseillere@missionlocale-toulouse.demo', DEMO_PASSWORD);
  t.match(await phone.locator('h1').innerText(), /Tableau de bord du prescripteur/);
  t.same(await axeViolations(phone), [], 'prescriber dashboard: no axe violation');
  t.ok(await fitsThePhone(phone), 'the dashboard fits 360 px');
  await phone.goto(`${baseUrl}/mon-stock`);
  t.same(await axeViolations(phone), [], 'my stock: no axe violation');
  const serial = (await phone.locator('td[data-serial]').first().innerText()).trim();
  await phone.getByRole('link', { name: `Distribuer le carnet ${serial}` }).click();
  await phone.waitForURL(/\/distribuer\?carnet=/);
  t.equal(await phone.locator('#bookletSerial').inputValue(), serial, 'the serial is filled in');
  t.same(await axeViolations(phone), [], 'distribution form: no axe violation');
  t.ok(await fitsThePhone(phone), 'the form fits 360 px');
  const submit = phone.getByRole('button', { name: 'Enregistrer la distribution' });
  const box = (await submit.boundingBox())!;
  t.ok(box.height >= 44 && box.width >= 300, `a large touch target (${Math.round(box.width)}×${Math.round(box.height)})`);

  // A job seeker living in Bordeaux: a Haute-Garonne booklet does not even offer it (the server
  // still refuses a commune outside the territory: test/api/distribution.test.ts).
  await phone.locator('label[for="public-demandeurs_emploi"]').click();
  await phone.locator('#communeQuery').fill('Bordeaux');
  await phone.getByText('Aucune commune trouvée dans le territoire de ce carnet').waitFor();
  t.equal(await phone.locator('label[for="commune-33063"]').count(), 0, 'Bordeaux is not suggested for a Haute-Garonne booklet');
  await submit.click();
  await phone.getByText('Aucune commune du territoire de ce carnet ne correspond à « Bordeaux »').waitFor();
  t.pass('sent anyway, the form says why, in French');
  t.same(await axeViolations(phone), [], 'refusal: no axe violation');
  if (screenshots) await phone.screenshot({ path: join(screenshots, 'distribution-refusee.png'), fullPage: true });

  // The same person in fact lives in Colomiers: the booklet is handed out.
  t.ok(await phone.locator('#public-demandeurs_emploi').isChecked(), 'the public chosen is kept');
  await phone.locator('#communeQuery').fill('Colomiers');
  await phone.locator('label[for="commune-31149"]').click();
  await phone.getByRole('button', { name: 'Enregistrer la distribution' }).click();
  await phone.waitForURL(/distribue=/);
  t.match(await phone.locator('.fr-alert--success').innerText(), new RegExp(`Carnet ${serial} remis[\\s\\S]*10 pass sont actifs`));
  t.same(await axeViolations(phone), [], 'confirmation: no axe violation');
  if (screenshots) await phone.screenshot({ path: join(screenshots, 'distribution-telephone.png'), fullPage: true });

  // The buyer's dashboard counts it.
  await buyer.goto(`${baseUrl}/tableau-de-bord`);
  t.equal(Number((await buyer.locator('[data-count="distributed"]').innerText()).replace(/\s/g, '')), before + 1, 'one more booklet distributed');
  t.match(await buyer.locator('main').innerText(), /secret statistique/, 'small cells are hidden');
  t.same(await axeViolations(buyer), [], 'dashboard after the distribution: no axe violation');
});

t.test('without JavaScript, the commune is found by a search step', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);
  const phone = await (await browser.newContext({ ...PHONE, javaScriptEnabled: false })).newPage();
  await loginInBrowser(phone, baseUrl, 'accueil@ccas-colomiers.demo', DEMO_PASSWORD);
  await phone.goto(`${baseUrl}/mon-stock`);
  const serial = (await phone.locator('td[data-serial]').first().innerText()).trim();
  await phone.goto(`${baseUrl}/distribuer`);
  await phone.locator('#bookletSerial').fill(serial);
  await phone.locator('label[for="public-seniors_60_plus"]').click();
  await phone.locator('#communeQuery').fill('31770');
  await phone.getByRole('button', { name: 'Rechercher la commune' }).click();
  await phone.waitForSelector('#commune-31149');
  t.ok(await phone.locator('#commune-31149').isChecked(), 'the only commune of that postcode is chosen');
  await phone.getByRole('button', { name: 'Enregistrer la distribution' }).click();
  await phone.waitForURL(/distribue=/);
  t.match(await phone.locator('.fr-alert--success').innerText(), new RegExp(`Carnet ${serial} remis`));
  t.ok(await phone.locator('#scan').isHidden(), 'no camera button without JavaScript');

  // axe runs in the page, so the search step's page is checked in a context with JavaScript.
  const checked = await (await browser.newContext(PHONE)).newPage();
  await loginInBrowser(checked, baseUrl, 'accueil@ccas-colomiers.demo', DEMO_PASSWORD);
  await checked.goto(`${baseUrl}/distribuer`);
  await checked.locator('#communeQuery').fill('saint');
  await checked.getByRole('button', { name: 'Rechercher la commune' }).click();
  await checked.waitForSelector('#commune-choices input[type="radio"]');
  t.ok((await checked.locator('#commune-choices input[type="radio"]').count()) > 1, 'several communes to choose from');
  t.same(await axeViolations(checked), [], 'search step: no axe violation');
});
