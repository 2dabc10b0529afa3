import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';
import { trialBalance } from '../../server/modules/finance/ledger.ts';

const screenshots = process.env.SCREENSHOT_DIR;

t.test('a buyer orders 200 booklets with the live 50 % quote; the operator approves; finance records the payment', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl, app } = await startDemoServer(t);

  const buyer = await (await browser.newContext()).newPage();
  await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
  await buyer.getByRole('link', { name: 'Commandes' }).first().click();
  await buyer.getByRole('link', { name: 'Nouvelle commande' }).click();
  t.same(await axeViolations(buyer), [], 'new order page: no axe violation');
  await buyer.getByLabel('Nombre de carnets').fill('200');
  // The live quote shows the State share before anything is submitted.
  await buyer.locator('[data-quote="stateShareCents"]').waitFor();
  await buyer.waitForFunction(() => document.querySelector('[data-quote="totalCents"]')?.textContent?.includes('20'));
  t.match(await buyer.locator('[data-quote="totalCents"]').innerText(), /20\s000,00\s€/);
  t.match(await buyer.locator('[data-quote="stateShareCents"]').innerText(), /10\s000,00\s€/);
  t.match(await buyer.locator('[data-quote="buyerInvoiceTotalCents"]').innerText(), /10\s960,00\s€/, '50 % of the passes + 4 % fee + VAT');
  if (screenshots) await buyer.screenshot({ path: join(screenshots, 'nouvelle-commande.png'), fullPage: true });
  await buyer.getByRole('button', { name: 'Envoyer la commande' }).click();
  await buyer.waitForURL(/\/commandes\/[^/]+\?message=soumise/);
  const heading = await buyer.locator('h1').innerText();
  const reference = /CMD-\d{4}-\d{6}/.exec(heading)?.[0] ?? '';
  t.match(heading, /^Commande CMD-\d{4}-\d{6}$/);
  t.same(await axeViolations(buyer), [], 'order page: no axe violation');
  const orderUrl = buyer.url().split('?')[0]!;

  const operator = await (await browser.newContext()).newPage();
  await loginInBrowser(operator, baseUrl, 'admin@operateur.demo', DEMO_PASSWORD);
  await operator.goto(`${baseUrl}/commandes?statut=submitted`);
  t.same(await axeViolations(operator), [], 'orders to approve: no axe violation');
  await operator.getByRole('link', { name: reference }).click();
  await operator.getByRole('button', { name: 'Approuver la commande' }).click();
  t.match(await operator.locator('h1').innerText(), /Approuver la commande/, 'approval first shows its recap');
  t.match(await operator.locator('main').innerText(), /engagée sur l’enveloppe du programme/);
  t.same(await axeViolations(operator), [], 'approval recap: no axe violation');
  await operator.getByRole('button', { name: 'Approuver la commande' }).click();
  await operator.waitForURL(/message=approuvee/);
  t.match(await operator.locator('.fr-alert--success').innerText(), /Commande approuvée/);

  const finance = await (await browser.newContext()).newPage();
  await loginInBrowser(finance, baseUrl, 'finances@operateur.demo', DEMO_PASSWORD);
  await finance.goto(orderUrl);
  t.same(await axeViolations(finance), [], 'order page with payment forms: no axe violation');
  const paymentForm = finance.locator('form[action="/finances/paiements"]').first();
  await paymentForm.getByLabel('Référence du virement').fill('VIR-DEP31-0001');
  await paymentForm.getByRole('button', { name: 'Enregistrer le paiement' }).click();
  await finance.waitForURL(/message=paiement/);
  t.match(await finance.locator('.fr-badge').nth(1).textContent(), /Financée/);
  if (screenshots) await finance.screenshot({ path: join(screenshots, 'commande-payee.png'), fullPage: true });
  await finance.goto(`${baseUrl}/finances/factures`);
  t.same(await axeViolations(finance), [], 'invoices page: no axe violation');

  // The journal balances and both invoice PDFs carry the same figures as the order.
  t.ok(trialBalance(app.db).balanced, 'trial balance at zero');
  const links = await finance.locator('a', { hasText: 'PDF' }).evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  t.ok(links.length >= 2);
  const dir = mkdtempSync(join(tmpdir(), 'pn-invoice-'));
  const texts: string[] = [];
  for (const [i, link] of links.slice(-2).entries()) {
    const response = await finance.request.get(link);
    t.equal(response.headers()['content-type'], 'application/pdf');
    const file = join(dir, `f${i}.pdf`);
    writeFileSync(file, await response.body());
    try {
      texts.push(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }));
    } catch {
      if (process.env.CI === 'true') t.fail('pdftotext (poppler-utils) is required in CI');
    }
  }
  if (texts.length === 2) {
    const all = texts.join('\n');
    t.match(all, /10\s960,00\s€/, 'buyer invoice total');
    t.match(all, /Appel de fonds au titre du cofinancement/, 'the State claim');
    t.match(all, /DSI-INCLUSION|SIRET 22310001700019/, 'buyer identifiers printed');
  }

  // Finance reads the journal: each entry names its document by number and each account by name.
  await finance.goto(`${baseUrl}/finances/journal?q=${encodeURIComponent(reference)}`);
  const journal = await finance.locator('main table').first().innerText();
  t.match(journal, new RegExp(reference), 'the order’s entries carry its CMD- number');
  t.match(journal, /Créance commanditaire [A-ZÉ][^\n]*\n/, 'the buyer’s account by the buyer’s name');
  t.match(journal, /Créance État — programme [A-ZÉ]/, 'the State’s by the programme’s name');
  t.notMatch(journal, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, 'no identifier in place of a document number');
  t.same(await axeViolations(finance), [], 'journal page: no axe violation');
});
