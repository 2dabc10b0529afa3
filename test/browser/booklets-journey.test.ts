import t from 'tap';
import { join } from 'node:path';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';
import { countBookletPages } from '../../templates/pdf/booklet.ts';
import { demoInstant } from '../../db/seed/demo-finance.ts';
import { addMonths, formatFrenchDate, parisDate } from '../../server/shared/paris-time.ts';
import { TEST_NOW } from '../helpers/app.ts';
import { BOOKLET_STATUS_LABELS } from '../../server/modules/booklets/booklets.schemas.ts';

const screenshots = process.env.SCREENSHOT_DIR;

t.test('the demo buyer previews the print proof, validates it and finds the print file with its page count', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);

  const buyer = await (await browser.newContext()).newPage();
  await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
  await buyer.getByRole('link', { name: 'Commandes' }).first().click();
  await buyer.getByRole('link', { name: 'CMD-2026-000002' }).click();
  await buyer.getByRole('heading', { name: 'Carnets et impression' }).waitFor();
  t.same(await axeViolations(buyer), [], 'order page before the proof is validated: no axe violation');
  t.match(await buyer.locator('#contenu').innerText(), /sera disponible dès que le BAT sera validé/);

  // The proof opens as a PDF in the buyer's session.
  const proofHref = await buyer.getByRole('link', { name: 'Voir le bon à tirer (PDF)' }).getAttribute('href');
  t.ok(proofHref);
  const proof = await buyer.request.get(new URL(proofHref!, baseUrl).href);
  t.equal(proof.status(), 200);
  t.equal(proof.headers()['content-type'], 'application/pdf');
  t.equal((await proof.body()).subarray(0, 5).toString('latin1'), '%PDF-');

  await buyer.getByRole('button', { name: 'Valider le BAT' }).click();
  await buyer.waitForURL(/message=bat/);
  t.match(await buyer.locator('.fr-alert--success').innerText(), /Bon à tirer validé/);
  t.same(await axeViolations(buyer), [], 'order page once the proof is validated: no axe violation');
  const pages = countBookletPages(10) * 200;
  const download = buyer.getByRole('link', { name: /Télécharger le fichier d’impression/ });
  t.match(await download.innerText(), new RegExp(`PDF, ${pages} pages A4`), 'the number of pages of the print file');
  t.equal(await buyer.getByRole('button', { name: 'Valider le BAT' }).count(), 0, 'validated once');
  if (screenshots) await buyer.screenshot({ path: join(screenshots, 'commande-impression.png'), fullPage: true });

  const file = await buyer.request.get(new URL((await download.getAttribute('href'))!, baseUrl).href);
  t.equal(file.status(), 200);
  t.equal(file.headers()['content-type'], 'application/pdf');
  t.match(file.headers()['content-disposition'], /attachment; filename="carnets-CMD-2026-000002\.pdf"/);
  t.equal((await file.body()).subarray(0, 5).toString('latin1'), '%PDF-');

  // The booklets list, with statuses and a CSV link.
  await buyer.getByRole('link', { name: 'Voir la liste des carnets' }).click();
  await buyer.getByRole('heading', { name: /Carnets de la commande CMD-2026-000002/ }).waitFor();
  t.same(await axeViolations(buyer), [], 'booklets list: no axe violation');
  // 200 booklets, shown 50 a page (#16: numbered pages), every one of them in the CSV.
  t.equal(await buyer.locator('tbody tr').count(), 50);
  t.match(await buyer.locator('main').innerText(), /200 résultats/);
  const firstRow = await buyer.locator('tbody tr').first().innerText();
  t.match(firstRow, /CD31-2026-000201/);
  // The demo data may already have handed some booklets out: any status label will do.
  t.match(firstRow, new RegExp(Object.values(BOOKLET_STATUS_LABELS).join('|')));
  const csvHref = await buyer.getByRole('link', { name: /Exporter en CSV \(200\s+lignes\)/ }).getAttribute('href');
  const csv = await buyer.request.get(new URL(csvHref!, baseUrl).href);
  t.equal(csv.status(), 200);
  const csvText = await csv.text();
  t.match(csvText, /Numéro de carnet;Position;Statut;Détenteur;Pass/);
  t.equal(csvText.trim().split(/\r?\n/).length, 201, 'the CSV holds all 200 booklets, not one page');

  // Anyone scanning a pass of that booklet sees its page without logging in.
  const booklet = await buyer.request.get(`${baseUrl}/api/v1/booklets/CD31-2026-000201`);
  const code = ((await booklet.json()) as { passes: { code: string }[] }).passes[0]!.code;
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`${baseUrl}/P/${code}`);
  await visitor.getByRole('heading', { name: /Pass numérique de 10,00/ }).waitFor();
  t.match(await visitor.locator('#contenu').innerText(), /Ce pass est utilisable|Ce pass ne peut pas être utilisé pour le moment/);
  // The demo order was placed two months before the demo was loaded, valid one year.
  const validFrom = parisDate(demoInstant(new Date(TEST_NOW), 2, 5));
  t.match(await visitor.locator('#contenu').innerText(), `Valable du ${formatFrenchDate(validFrom)} au ${formatFrenchDate(addMonths(validFrom, 12))}`);
  t.same(await axeViolations(visitor), [], 'public pass page: no axe violation');
  await visitor.goto(`${baseUrl}/p/0000-0000-0000-0000-0000`);
  t.match(await visitor.locator('h1').innerText(), /Pass introuvable/);
  t.same(await axeViolations(visitor), [], 'unknown pass page: no axe violation');
});
