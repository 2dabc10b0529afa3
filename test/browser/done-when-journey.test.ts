import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { PNG } from 'pngjs';
import { places, placeSites } from '../../db/schema/places.ts';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';

// A bound on a long journey on a shared machine (print file of 200 booklets included), not a measure.
t.setTimeout(10 * 60_000);

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set([0, 0, 145, 255], i * 4);
  return PNG.sync.write(image);
}
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1');

/** Where the beneficiary stands: Muret, south of Toulouse. */
const HERE = { latitude: 43.47, longitude: 1.33 };

t.test(
  'a buyer puts its logo and message on its booklets, rejects a first proof, accepts the second; a person holding a freshly printed booklet, on a phone, without any account, finds the three nearest places that accept it',
  { skip: browserSkipReason() },
  async (t) => {
    const browser = await launchBrowser(t);
    const { app, baseUrl } = await startDemoServer(t);
    const dir = mkdtempSync(join(tmpdir(), 'pn-done-when-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));

    // The labelled demo sites get positions (as the import or the application form would give them), at growing distances from HERE.
    const sites = app.db.select({ id: placeSites.id, name: placeSites.name }).from(placeSites).innerJoin(places, eq(places.organisationId, placeSites.placeId)).where(eq(places.status, 'labelled')).all();
    t.ok(sites.length >= 3, `the demo has at least three labelled sites (${sites.length})`);
    sites.forEach((s, i) => app.db.update(placeSites).set({ latitude: HERE.latitude + 0.03 * (i + 1), longitude: HERE.longitude }).where(eq(placeSites.id, s.id)).run());
    const nearestThree = sites.slice(0, 3).map((s) => s.name);

    // --- The buyer designs its booklets -----------------------------------------------------
    const buyer = await (await browser.newContext()).newPage();
    await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
    await buyer.getByRole('link', { name: 'Commandes' }).first().click();
    await buyer.getByRole('link', { name: 'CMD-2026-000001' }).click();
    const orderUrl = buyer.url();
    await buyer.getByRole('link', { name: /Modifier la présentation/ }).click();
    await buyer.getByRole('heading', { level: 1, name: 'Présentation des carnets' }).waitFor();
    t.same(await axeViolations(buyer), [], 'design page: no axe violation');

    // Too long a title: the form comes back with it, and the error next to the field.
    const tooLong = 'Le numérique pour toutes et pour tous, partout';
    await buyer.getByLabel('Titre de la couverture').fill(tooLong);
    await buyer.getByLabel('Message sous « Offert par »').fill('Un cadeau du Département pour apprendre à votre rythme, avec une personne qui vous accompagne.');
    await buyer.getByRole('button', { name: 'Enregistrer et produire un nouveau BAT' }).click();
    await buyer.locator('.fr-input-group--error').first().waitFor();
    t.match(await buyer.locator('.fr-input-group--error').innerText(), /40 caractères au maximum/);
    t.equal(await buyer.getByLabel('Titre de la couverture').inputValue(), tooLong, 'what was typed is kept');
    t.same(await axeViolations(buyer), [], 'design page with an error: no axe violation');
    await buyer.getByLabel('Titre de la couverture').fill('Le numérique pour tous');
    await buyer.getByRole('button', { name: 'Enregistrer et produire un nouveau BAT' }).click();
    await buyer.waitForURL(/message=presentation/);
    t.match(await buyer.locator('.fr-alert--success').innerText(), /Présentation enregistrée/);

    // The logo, from a file on the buyer's computer: a GIF is refused in place, the PNG is kept and previewed.
    await buyer.getByRole('link', { name: /Modifier la présentation/ }).click();
    await buyer.getByLabel('Votre logo').setInputFiles({ name: 'logo.gif', mimeType: 'image/gif', buffer: GIF });
    await buyer.getByRole('button', { name: /Envoyer le logo/ }).click();
    await buyer.locator('.fr-upload-group--error').waitFor();
    t.match(await buyer.locator('.fr-upload-group--error').innerText(), /PNG ou JPEG attendu/);
    t.same(await axeViolations(buyer), [], 'refused logo: no axe violation');
    await buyer.getByLabel('Votre logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png(120, 40) });
    await buyer.getByRole('button', { name: /Envoyer le logo/ }).click();
    await buyer.waitForURL(/message=logo/);
    t.match(await buyer.locator('.fr-alert--success').innerText(), /Logo enregistré/);
    const preview = buyer.getByRole('img', { name: /Logo du commanditaire/ });
    t.equal(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), 120, 'the preview shows the logo');
    t.same(await axeViolations(buyer), [], 'design page with a logo: no axe violation');

    // The first proof is rejected with a comment.
    await buyer.goto(orderUrl);
    await buyer.getByLabel('Ce qui doit changer').fill('Le message est trop long pour la couverture.');
    await buyer.getByRole('button', { name: 'Refuser ce BAT' }).click();
    await buyer.waitForURL(/message=bat-refuse/);
    t.match(await buyer.locator('#contenu').innerText(), /refusée le .*« Le message est trop long pour la couverture. »/);
    t.same(await axeViolations(buyer), [], 'order page with a rejected proof: no axe violation');

    // A shorter message makes the second version, which the buyer accepts.
    await buyer.getByRole('link', { name: /Modifier la présentation/ }).click();
    await buyer.getByLabel('Message sous « Offert par »').fill('Un cadeau du Département.');
    await buyer.getByRole('button', { name: 'Enregistrer et produire un nouveau BAT' }).click();
    await buyer.waitForURL(/message=presentation/);
    await buyer.getByRole('button', { name: 'Valider le BAT' }).click();
    await buyer.waitForURL(/message=bat(?!-)/);
    const versions = await buyer.getByRole('table', { name: 'Versions du BAT' }).innerText();
    t.match(versions, /refusée/);
    t.match(versions, /validée/);

    // The print file: the cover of booklet 1 has the logo and the message, and the address the person will type.
    const fileHref = await buyer.getByRole('link', { name: /Télécharger le fichier d’impression/ }).getAttribute('href');
    const file = await buyer.request.get(new URL(fileHref!, baseUrl).href);
    t.equal(file.status(), 200);
    const pdf = join(dir, 'carnets.pdf');
    writeFileSync(pdf, await file.body());
    const cover = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-layout', pdf, '-'], { encoding: 'utf8' });
    t.match(cover, /Le numérique pour tous/);
    t.match(cover, /Un cadeau du Département\./);
    t.match(execFileSync('pdfimages', ['-f', '1', '-l', '1', '-list', pdf], { encoding: 'utf8' }), /\bimage\b.*\b120\s+40\b/, 'the logo on the printed cover');
    const printed = /http:\/\/127\.0\.0\.1(\/c\/[A-Z0-9-]+)/.exec(cover)?.[1];
    t.ok(printed, `the cover prints the booklet's public address: ${printed}`);

    // --- The person with the booklet, on a phone, no account --------------------------------
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, geolocation: HERE, permissions: ['geolocation'] });
    const page = await phone.newPage();
    await page.goto(`${baseUrl}${printed}`);
    t.match(await page.locator('h1').innerText(), /Votre carnet Pass numérique/);
    t.notOk(page.url().includes('/connexion'), 'no login asked');
    await page.getByRole('button', { name: 'Autour de moi' }).click();
    await page.waitForURL(/lat=43\.47/);
    const cards = page.locator('.fr-card');
    const firstThree = await Promise.all([0, 1, 2].map((i) => cards.nth(i).locator('.fr-card__title').innerText()));
    t.same(firstThree, nearestThree, 'the three nearest places, nearest first');
    const distances = await Promise.all([0, 1, 2].map(async (i) => Number(/à ([\d,]+) km/.exec(await cards.nth(i).innerText())?.[1]?.replace(',', '.'))));
    t.ok(distances.every((d, i) => Number.isFinite(d) && (i === 0 || d >= distances[i - 1]!)), `with their distances, growing: ${distances.join(', ')} km`);
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll at 360 px');
    t.same(await axeViolations(page), [], 'booklet page around me: no axe violation');
    await cards.first().locator('.fr-card__title a').click();
    await page.waitForURL(/\/lieux-labellises\//);
    t.equal(await page.locator('h1').innerText(), nearestThree[0], 'the nearest place’s own page');
    t.match(await page.locator('main').innerText(), /Accepte le Pass numérique/i);
    await phone.close();
  },
);

t.test('the pages changed for the proofs and the place application are axe clean: dashboards with proofs, the application form with errors', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);

  // The demo order's proof waits for the buyer, and is overdue for the operator.
  const buyer = await (await browser.newContext()).newPage();
  await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
  await buyer.goto(`${baseUrl}/tableau-de-bord`);
  const waiting = await buyer.getByRole('region', { name: 'BAT à valider' }).innerText();
  t.match(waiting, /CMD-2026-000002/);
  t.match(waiting, /1 commande attend votre décision/);
  t.same(await axeViolations(buyer), [], 'buyer’s dashboard with a waiting proof: no axe violation');

  const operator = await (await browser.newContext()).newPage();
  await loginInBrowser(operator, baseUrl, 'admin@operateur.demo', DEMO_PASSWORD);
  await operator.goto(`${baseUrl}/tableau-de-bord`);
  t.match(await operator.getByRole('region', { name: 'BAT en retard' }).innerText(), /CMD-2026-000002/);
  t.same(await axeViolations(operator), [], 'operator’s dashboard with an overdue proof: no axe violation');

  const visitor = await (await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage();
  await visitor.goto(`${baseUrl}/lieux/candidature`);
  t.same(await axeViolations(visitor), [], 'application form: no axe violation');
  await visitor.getByLabel('Nom de l’organisation').fill('Fablab du Capitole');
  await visitor.getByLabel('Latitude').fill('95');
  await visitor.getByLabel('Site web du lieu').fill('fablab');
  await visitor.getByRole('button', { name: 'Envoyer la candidature' }).click();
  await visitor.locator('.fr-input-group--error').first().waitFor();
  const errors = await visitor.locator('.fr-input-group--error').allInnerTexts();
  t.ok(errors.some((e) => /Latitude entre -90 et 90/.test(e)), 'the latitude error next to its field');
  t.ok(errors.some((e) => /Adresse web attendue/.test(e)), 'the website error next to its field');
  t.equal(await visitor.getByLabel('Nom de l’organisation').inputValue(), 'Fablab du Capitole', 'what was typed is kept');
  t.ok(await visitor.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll at 360 px');
  t.same(await axeViolations(visitor), [], 'application form with errors: no axe violation');
});
