import t from 'tap';
import { asc } from 'drizzle-orm';
import { booklets } from '../../db/schema/booklets.ts';
import { axeViolations, browserSkipReason, launchBrowser, startDemoServer } from '../helpers/browser.ts';

t.test('a beneficiary on a phone scans the cover QR code, without an account, and reaches a place’s page', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl } = await startDemoServer(t);
  const booklet = app.db.select({ serial: booklets.serial }).from(booklets).orderBy(asc(booklets.createdAt)).limit(1).get()!;
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const noSidewaysScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  // The cover QR code encodes the address in upper case.
  await page.goto(`${baseUrl}/C/${booklet.serial}`);
  t.match(await page.locator('h1').innerText(), /Votre carnet Pass numérique/);
  t.ok(await noSidewaysScroll(), 'booklet page: no sideways scroll at 360 px');
  t.same(await axeViolations(page), [], 'booklet page: no axe violation');
  const firstPlace = page.locator('.fr-card__title a').first();
  const name = await firstPlace.innerText();
  await firstPlace.click();
  await page.waitForURL(/\/lieux-labellises\//);
  t.equal(await page.locator('h1').innerText(), name, 'the place’s own page');
  t.match(await page.locator('main').innerText(), /Accepte le Pass numérique/i, 'says it accepts the Pass');
  t.ok(await noSidewaysScroll(), 'place page: no sideways scroll');
  t.same(await axeViolations(page), [], 'place page: no axe violation');

  await page.goto(`${baseUrl}/lieux-labellises?q=31600`);
  t.ok((await page.locator('.fr-card__title').count()) > 0, 'the directory finds places by postal code');
  t.ok(await noSidewaysScroll(), 'directory: no sideways scroll');
  t.same(await axeViolations(page), [], 'directory: no axe violation');
  await page.goto(baseUrl);
  t.same(await axeViolations(page), [], 'home page: no axe violation');
  await context.close();
});
