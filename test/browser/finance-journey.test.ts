import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';

const XSD = join(import.meta.dirname, '..', 'fixtures', 'pain.001.001.03.xsd');
const screenshots = process.env.SCREENSHOT_DIR;

function tool(t: Test, command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.env.CI !== 'true') {
      t.comment(`${command} absent : vérification ignorée`);
      return null;
    }
    throw error;
  }
}

t.test('finance builds, approves and pays last month’s batch; the place gets its statement; everything reconciles', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);
  const dir = mkdtempSync(join(tmpdir(), 'pn-finance-'));

  const finance = await (await browser.newContext()).newPage();
  await loginInBrowser(finance, baseUrl, 'finances@operateur.demo', DEMO_PASSWORD);
  t.same(await axeViolations(finance), [], 'finance dashboard: no axe violation');
  await finance.getByRole('link', { name: 'Finances' }).first().click();
  t.same(await axeViolations(finance), [], 'finance hub: no axe violation');
  await finance.getByRole('link', { name: 'Remboursements des lieux' }).click();
  t.same(await axeViolations(finance), [], 'batches page: no axe violation');
  t.match(await finance.locator('table').last().innerText(), /septembre 2026/, 'the demo has a paid batch two months back');

  await finance.getByLabel('Mois à rembourser').fill('2026-10');
  await finance.getByRole('button', { name: 'Préparer le lot' }).click();
  await finance.waitForURL(/\/finances\/remboursements\/[^/]+$/);
  const batchUrl = finance.url();
  t.match(await finance.locator('h1').innerText(), /octobre 2026/);
  t.match(await finance.locator('.fr-badge', { hasText: 'Équilibré' }).innerText(), /Équilibré/i);
  t.same(await axeViolations(finance), [], 'batch preview: no axe violation');
  // Four eyes: the one who built the batch cannot approve it.
  await finance.locator('label[for="confirmation"]').click(); // the DSFR label covers its checkbox
  await finance.getByRole('button', { name: 'Approuver le lot' }).click();
  t.match(await finance.locator('.fr-alert--error').innerText(), /un autre membre des finances/);
  // The treasurer approves it; approval needs the confirmation box.
  const treasury = await (await browser.newContext()).newPage();
  await loginInBrowser(treasury, baseUrl, 'tresorerie@operateur.demo', DEMO_PASSWORD);
  await treasury.goto(batchUrl);
  await treasury.getByRole('button', { name: 'Approuver le lot' }).click();
  t.match(await treasury.locator('.fr-alert--error').innerText(), /Cochez la case de confirmation/);
  await treasury.locator('label[for="confirmation"]').click();
  await treasury.getByRole('button', { name: 'Approuver le lot' }).click();
  await treasury.waitForURL(/message=approuve/);
  await finance.goto(batchUrl);
  if (screenshots) await finance.screenshot({ path: join(screenshots, 'lot-approuve.png'), fullPage: true });

  const sepaLink = await finance.getByRole('link', { name: /fichier de virements SEPA/ }).getAttribute('href');
  const sepa = await finance.request.get(`${baseUrl}${sepaLink}`);
  t.equal(sepa.status(), 200);
  const xml = await sepa.text();
  t.match(xml, /<NbOfTxs>3<\/NbOfTxs>/, 'the three demo places');
  t.match(xml, /<CtrlSum>80\.00<\/CtrlSum>/, '8 passes of 10 € used in October');
  writeFileSync(join(dir, 'sepa.xml'), xml);
  if (tool(t, 'xmllint', ['--noout', '--schema', XSD, join(dir, 'sepa.xml')]) !== null) t.pass('the SEPA file validates against pain.001.001.03');

  await finance.getByLabel('Virements exécutés le').fill('2026-11-25');
  await finance.getByRole('button', { name: 'Marquer le lot comme payé' }).click();
  t.match(await finance.locator('h1').innerText(), /comme payé \?/, 'marking paid first shows its recap');
  await finance.getByRole('button', { name: 'Confirmer le paiement du lot' }).click();
  await finance.waitForURL(/message=paye/);
  t.match(await finance.locator('.fr-badge').first().innerText(), /Payé/i);

  await finance.goto(`${baseUrl}/finances/rapprochement`);
  t.same(await axeViolations(finance), [], 'reconciliation page: no axe violation');
  t.match(await finance.locator('.fr-badge').first().innerText(), /Tout est équilibré/i);
  t.equal(await finance.locator('td .fr-badge--error').count(), 0, 'no red verdict');
  if (screenshots) await finance.screenshot({ path: join(screenshots, 'rapprochement.png'), fullPage: true });

  // The demo place downloads its October statement.
  const place = await (await browser.newContext()).newPage();
  await loginInBrowser(place, baseUrl, 'mediateur@epn-muret.demo', DEMO_PASSWORD);
  await place.getByRole('link', { name: 'Relevés' }).first().click();
  t.same(await axeViolations(place), [], 'statements page: no axe violation');
  const pdfHref = await place.getByRole('link', { name: /PDF du relevé/ }).first().getAttribute('href');
  const pdf = await place.request.get(`${baseUrl}${pdfHref}`);
  t.equal(pdf.headers()['content-type'], 'application/pdf');
  writeFileSync(join(dir, 'releve.pdf'), await pdf.body());
  const text = tool(t, 'pdftotext', ['-layout', join(dir, 'releve.pdf'), '-']);
  if (text !== null) {
    t.match(text, /Relevé de remboursement — octobre 2026/);
    t.match(text, /••••-••••-••••-••••-/, 'pass codes masked');
  }

  // The expired demo order: its credit note shows for the buyer, with the State's share.
  const buyer = await (await browser.newContext()).newPage();
  await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
  await buyer.getByRole('link', { name: 'Avoirs' }).first().click();
  t.same(await axeViolations(buyer), [], 'credit notes page: no axe violation');
  const row = await buyer.locator('tbody tr').first().innerText();
  t.match(row, /AV-2026-000001/);
  // One credit note per invoiced party (#14): the buyer's, for its 10 000 € share; the State's note
  // goes to the programme's payer and is not the buyer's to see.
  t.match(row, /Commanditaire[\s\S]*10\s000,00\s€\s+0,00\s€/, 'the buyer’s note carries the buyer’s share only');
  t.equal(await buyer.locator('tbody tr').count(), 1, 'the State’s note is not listed to the buyer');
});
