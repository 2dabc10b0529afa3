import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import QRCode from 'qrcode';
import { chromium, type Browser } from 'playwright-core';
import { axeViolations, browserSkipReason, CHROMIUM_PATH, DEMO_PASSWORD, loginInBrowser, startDemoServer } from '../helpers/browser.ts';
import { passes } from '../../db/schema/booklets.ts';
import { untouchedDemoPassCodes } from '../helpers/demo-passes.ts';
import { passUrl } from '../../server/modules/booklets/pass-code.ts';
import { trialBalance } from '../../server/modules/finance/ledger.ts';

const screenshots = process.env.SCREENSHOT_DIR;
const WIDTH = 640;
const HEIGHT = 480;

/**
 * A Y4M video (what Chromium's fake camera reads) showing one QR code, black on white, centred:
 * the luma plane carries the picture, the chroma planes are neutral grey.
 */
function qrVideo(text: string, file: string): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const scale = Math.floor(Math.min(WIDTH, HEIGHT) / (size + 8));
  const offsetX = Math.floor((WIDTH - size * scale) / 2);
  const offsetY = Math.floor((HEIGHT - size * scale) / 2);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 235);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!qr.modules.get(row, col)) continue;
      for (let y = 0; y < scale; y++) luma.fill(16, (offsetY + row * scale + y) * WIDTH + offsetX + col * scale, (offsetY + row * scale + y) * WIDTH + offsetX + (col + 1) * scale);
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: 10 }, () => frame)]));
}

async function launchWithCamera(t: Test, video: string): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

t.test('on a 360-px phone, the demo place agent scans a pass with the camera, sees it accepted, then already used', { skip: browserSkipReason() }, async (t) => {
  const { baseUrl, app } = await startDemoServer(t);
  const db = app.db;
  // Active passes of booklets the demo redemptions did not touch: the first for the camera, the next for typing.
  const fresh = untouchedDemoPassCodes(db, 3);
  t.equal(fresh.length, 3, 'the demo data has handed-out passes');
  const [scanned, typed, tested] = [fresh[0]!, fresh[1]!, fresh[2]!];

  const dir = mkdtempSync(join(tmpdir(), 'pn-camera-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const video = join(dir, 'pass.y4m');
  qrVideo(passUrl(baseUrl, scanned), video);

  const browser = await launchWithCamera(t, video);
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await context.grantPermissions(['camera'], { origin: baseUrl });
  const page = await context.newPage();
  const cdnRequests: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(baseUrl) && !request.url().startsWith('data:') && !request.url().startsWith('blob:')) cdnRequests.push(request.url());
  });

  await loginInBrowser(page, baseUrl, 'mediateur@epn-muret.demo', DEMO_PASSWORD);
  await page.goto(`${baseUrl}/encaisser`);
  t.same(await axeViolations(page), [], 'scan page: no axe violation');
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'nothing wider than the 360-px screen');
  const live = page.locator('#verdict');
  t.equal(await live.getAttribute('aria-live'), 'polite');
  t.equal(await live.getAttribute('role'), 'status');

  await page.getByRole('button', { name: 'Scanner avec la caméra' }).click();
  await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('Pass accepté'), undefined, { timeout: 30_000 });
  t.match(await live.innerText(), /Pass accepté — 10,00\s€/, 'the verdict, announced by the live region');
  t.equal(db.select().from(passes).where(eq(passes.code, scanned)).get()!.status, 'redeemed');
  if (screenshots) await page.screenshot({ path: join(screenshots, 'encaissement-accepte.png'), fullPage: true });
  t.same(await axeViolations(page), [], 'scan page with a verdict: no axe violation');

  // The same pass under the camera again: refused, with the date it was used.
  await page.getByRole('button', { name: 'Scanner avec la caméra' }).click();
  await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('déjà utilisé'), undefined, { timeout: 30_000 });
  t.match(await live.innerText(), /Pass déjà utilisé[\s\S]*le \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
  t.equal(await page.locator('#verdict .fr-alert--error').count(), 1, 'a red verdict');

  // Keyboard only: type the code with a typo, see the live check, fix it, press Enter.
  const input = page.locator('#code');
  await input.focus();
  await input.fill('');
  const typo = `${typed.slice(0, 10)}${typed[10] === '7' ? '8' : '7'}${typed.slice(11)}`;
  await page.keyboard.type(typo.toLowerCase());
  t.match(await page.locator('#code-messages').innerText(), /mal saisi/, 'the check character catches the typo while typing');
  t.equal(await input.inputValue(), typo.match(/.{4}/g)!.join('-'), 'typed code grouped by four');
  await input.fill('');
  await page.keyboard.type(typed);
  t.match(await page.locator('#code-messages').innerText(), /Code complet et cohérent/);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('Pass accepté'));
  t.equal(db.select().from(passes).where(eq(passes.code, typed)).get()!.status, 'redeemed');

  // A mistake: the agent cancels that redemption, on the phone, through the confirmation page.
  const fitsScreen = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  await page.getByRole('button', { name: 'Annuler cet encaissement' }).click();
  await page.waitForURL(/\/encaisser\/annuler\//);
  t.match(await page.locator('main').innerText(), /Annuler cet encaissement \?[\s\S]*Le pass redevient utilisable/, 'a recap says what will happen');
  t.ok(await fitsScreen(), 'confirmation page: nothing wider than the screen');
  t.equal(db.select().from(passes).where(eq(passes.code, typed)).get()!.status, 'redeemed', 'nothing changes before the confirmation');
  t.same(await axeViolations(page), [], 'confirmation page: no axe violation');
  await page.getByRole('button', { name: 'Annuler l’encaissement' }).click();
  await page.waitForURL(/\/encaisser\?message=annule/);
  t.equal(db.select().from(passes).where(eq(passes.code, typed)).get()!.status, 'active', 'the pass can be used again');
  t.ok(await fitsScreen(), 'back on the scan page: nothing wider than the screen');

  // "Tester sans encaisser": a verdict, nothing written.
  await input.fill(tested);
  await page.getByRole('button', { name: 'Tester sans encaisser' }).click();
  await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('Pass valable'));
  t.match(await live.innerText(), /Pass valable — 10,00\s€[\s\S]*Rien n’a été encaissé/);
  t.equal(db.select().from(passes).where(eq(passes.code, tested)).get()!.status, 'active');
  t.same(cdnRequests, [], 'nothing loaded from outside the service (decoder and wasm served locally)');
  t.ok(trialBalance(db).balanced, 'the journal balances');

  // The month's page lists both.
  await page.goto(`${baseUrl}/mon-lieu/encaissements`);
  t.same(await axeViolations(page), [], 'month page: no axe violation');
  t.match(await page.locator('body').innerText(), new RegExp(scanned.slice(0, 4)));

  // What the beneficiary sees when scanning their own pass: usable or not, nothing personal.
  const visitor = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
  const response = await visitor.goto(passUrl(baseUrl, typed));
  t.equal(response?.status(), 200);
  t.same(await axeViolations(visitor), [], 'public pass page: no axe violation');
  const publicText = await visitor.locator('main').innerText();
  t.notMatch(publicText, /Mission locale|CCAS|Jeunes de 16|demandeurs d’emploi|commandes@|MDT-|EJ-2026/i, 'nothing about who received it, nor the buyer’s internals');
});

t.test('the public application form and the operator’s review pages have no axe violation', { skip: browserSkipReason() }, async (t) => {
  const { baseUrl } = await startDemoServer(t);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  t.teardown(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
  await page.goto(`${baseUrl}/lieux/candidature`);
  t.same(await axeViolations(page), [], 'application form: no axe violation');
  const operator = await (await browser.newContext()).newPage();
  await loginInBrowser(operator, baseUrl, 'admin@operateur.demo', DEMO_PASSWORD);
  await operator.goto(`${baseUrl}/lieux`);
  t.same(await axeViolations(operator), [], 'places list: no axe violation');
  await operator.getByRole('link', { name: 'Espace public numérique de Muret' }).click();
  t.same(await axeViolations(operator), [], 'place review: no axe violation');
  await operator.goto(`${baseUrl}/lieux/import`);
  t.same(await axeViolations(operator), [], 'import page: no axe violation');
  const place = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
  await loginInBrowser(place, baseUrl, 'mediateur@epn-muret.demo', DEMO_PASSWORD);
  await place.goto(`${baseUrl}/mon-lieu`);
  t.same(await axeViolations(place), [], 'my place: no axe violation');
});
