import t from 'tap';
import type { Page } from 'playwright-core';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';

const fitsTheScreen = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

t.test('on a 360 px phone, a buyer types "rodez", picks "Rodez Agglomération" with the keyboard and the order shows its name', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);
  const buyer = await (await browser.newContext({ viewport: { width: 360, height: 800 } })).newPage();
  const scriptErrors: string[] = [];
  buyer.on('pageerror', (error) => scriptErrors.push(error.message));
  await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
  await buyer.goto(`${baseUrl}/commandes/nouvelle`);
  await buyer.getByLabel('Nombre de carnets').fill('200');

  // The département's own territory comes chosen; "Retirer" takes it out without sending the form.
  const chosen = buyer.locator('#territory-chosen');
  t.match(await chosen.innerText(), /Haute-Garonne \(département, 31\)/);
  await chosen.getByRole('button', { name: /Retirer Haute-Garonne/ }).click();
  t.equal(await chosen.locator('li').count(), 0);
  t.ok(await buyer.locator('#territory-none').isVisible(), 'says the passes would be valid everywhere');

  const search = buyer.getByRole('combobox', { name: /Ajouter un territoire/ });
  await search.fill('rodez');
  const option = buyer.getByRole('option', { name: 'CA Rodez Agglomération (EPCI, 241200187)' });
  await option.waitFor();
  t.match(await buyer.locator('#territory-status').innerText(), /\d+ territoires? proposés? :/, 'the number of suggestions is announced');
  t.equal(await search.getAttribute('aria-expanded'), 'true');
  t.same(await axeViolations(buyer), [], 'suggestions open: no axe violation');
  t.ok(await fitsTheScreen(buyer), 'suggestions open: no horizontal scroll');

  // Keyboard only: down to the EPCI, Enter picks it.
  const options = await buyer.getByRole('option').allInnerTexts();
  const index = options.indexOf('CA Rodez Agglomération (EPCI, 241200187)');
  for (let i = 0; i <= index; i++) await search.press('ArrowDown');
  t.equal(await search.getAttribute('aria-activedescendant'), `territory-option-${index}`);
  await search.press('Enter');
  t.match(await chosen.innerText(), /CA Rodez Agglomération \(EPCI, 241200187\)/, 'shown by name with its code');
  t.equal(await search.inputValue(), '', 'the box is ready for another one');
  t.equal(await search.getAttribute('aria-expanded'), 'false');
  t.same(await axeViolations(buyer), [], 'territory chosen: no axe violation');
  t.ok(await fitsTheScreen(buyer), 'territory chosen: no horizontal scroll');

  await buyer.getByRole('button', { name: 'Envoyer la commande' }).click();
  await buyer.waitForURL(/\/commandes\/[^/]+\?message=soumise/);
  const territory = buyer.locator('dt:has-text("Territoire") + dd');
  t.equal(await territory.innerText(), 'CA Rodez Agglomération', 'the order shows the name, not the SIREN');
  t.ok(await fitsTheScreen(buyer), 'order page: no horizontal scroll');
  t.same(await axeViolations(buyer), [], 'order page: no axe violation');
  t.same(scriptErrors, [], 'no script error on the way');
});
