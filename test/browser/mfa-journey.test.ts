import t from 'tap';
import { generateSync } from 'otplib';
import type { ManualClock } from '../../server/shared/clock.ts';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';

t.test('on a 360-px phone, the finance officer turns on TOTP, keeps the recovery codes, and signs in again with a code', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl } = await startDemoServer(t);
  const clock = app.clock as ManualClock;
  const code = (secret: string) => generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= 360);

  await loginInBrowser(page, baseUrl, 'finances@operateur.demo', DEMO_PASSWORD);
  await page.goto(`${baseUrl}/mon-compte/double-authentification`);
  t.ok(await page.getByRole('img', { name: /Code QR/ }).isVisible(), 'the QR code is shown');
  t.same(await axeViolations(page), [], 'enrolment page: no axe violation');
  t.ok(await noSideways(), 'enrolment page fits 360 px');
  const secret = (await page.locator('code.pn-secret').innerText()).replace(/\s+/g, '');
  await page.getByLabel('Code affiché par l’application').fill(code(secret));
  await page.getByRole('button', { name: 'Activer la double authentification' }).click();
  t.match(await page.locator('h1').innerText(), /Codes de secours/);
  t.equal(await page.locator('.pn-recovery-codes li').count(), 10);
  t.same(await axeViolations(page), [], 'recovery codes page: no axe violation');
  t.ok(await noSideways(), 'recovery codes fit 360 px');

  await context.clearCookies();
  clock.advance(30_000);
  await page.goto(`${baseUrl}/connexion`);
  await page.getByLabel('Adresse e-mail').fill('finances@operateur.demo');
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/connexion\/second-facteur/);
  t.same(await axeViolations(page), [], 'second-factor page: no axe violation');
  t.ok(await noSideways(), 'second-factor page fits 360 px');
  t.notOk(await page.getByLabel(/Se souvenir de cet appareil/).isChecked(), 'remember this device is off by default');
  await page.getByLabel('Code de votre application d’authentification').fill(code(secret));
  await page.getByRole('button', { name: 'Valider' }).click();
  await page.waitForURL(/\/tableau-de-bord$/);
  t.match(await page.locator('h1').innerText(), /Tableau de bord financier/);
  await context.close();
});
