import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema/accounts.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { payouts, reimbursementBatches } from '../../db/schema/reimbursement.ts';
import { parisDate, parisMonth } from '../../server/shared/paris-time.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { approveOrder, submitOrder } from '../../server/modules/orders/orders.service.ts';
import { approveBatch, buildBatch } from '../../server/modules/finance/reimbursement.service.ts';
import { camt053, type TestBankEntry } from '../helpers/bank-files.ts';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';
import { actorOf } from '../helpers/fixtures.ts';

/**
 * Issue 14, "Done when": finance imports last month's bank statement and sees the buyers' transfers
 * turn into payments (funding opened) and the batch's transfers into paid payouts, without typing
 * one; then handles an unknown credit from the queue.
 */
t.test('finance imports last month’s camt.053 statement: transfers become payments and paid payouts; an unknown credit is read from the queue', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl } = await startDemoServer(t);
  const db = app.db;
  const userOf = (email: string) => actorOf(db, db.select().from(users).where(eq(users.email, email)).get()!);

  // Last month's batch, built by finance and approved by the treasurer (their own pages are the finance journey's).
  const lastMonth = parisMonth(new Date(app.clock.now().getTime() - 28 * 86_400_000));
  let batch = db.select().from(reimbursementBatches).where(eq(reimbursementBatches.status, 'approved')).get();
  if (!batch) {
    const built = buildBatch({ db, clock: app.clock, actor: userOf('finances@operateur.demo'), period: lastMonth }).batch;
    batch = approveBatch({ db, clock: app.clock, actor: userOf('tresorerie@operateur.demo'), batchId: built.id });
  }
  const waitingPayouts = db.select().from(payouts).where(eq(payouts.batchId, batch.id)).all().filter((p) => p.status === 'approved');
  t.ok(waitingPayouts.length > 0, 'the batch has transfers waiting for the bank');
  // A buyer's order approved last month and still waiting for its money (the demo's are all funded).
  const buyer = db.select().from(users).where(eq(users.email, 'commandes@departement31.demo')).get()!;
  const submitted = submitOrder({
    db,
    clock: app.clock,
    actor: actorOf(db, buyer),
    feeBasisPoints: 0,
    input: { bookletCount: 1, passesPerBooklet: 5, faceValueCents: 2_000, validFrom: parisDate(app.clock.now()), validUntil: '2027-09-30', publics: null, territory: null },
  });
  approveOrder({ db, clock: app.clock, actor: userOf('admin@operateur.demo'), orderId: submitted.id, codes: passCodeFactoryFor(app.config) });
  const waitingOrder = db.select().from(orders).where(eq(orders.id, submitted.id)).get()!;
  t.notOk(waitingOrder.fundedAt, 'the order waits for its buyer’s transfer');
  const owed = db.select().from(invoices).where(eq(invoices.orderId, waitingOrder.id)).all().filter((i) => i.paidCents < i.totalCents);
  // Booked today: after the batch's approval, never in the future.
  const today = parisDate(app.clock.now());
  let ref = 0;
  const bankRef = () => `BQ${String(++ref).padStart(6, '0')}`;
  const entries: TestBankEntry[] = [
    ...owed.map((i) => ({ ref: bankRef(), date: today, direction: 'credit' as const, amountCents: i.totalCents - i.paidCents, remittance: `VIR ${i.number}`, counterparty: i.party === 'state' ? 'DRFIP' : 'PAIERIE' })),
    ...waitingPayouts.map((p) => ({ ref: bankRef(), date: today, direction: 'debit' as const, amountCents: p.amountCents, endToEndId: p.reference, counterparty: p.holder })),
    { ref: bankRef(), date: today, direction: 'credit', amountCents: 1_000, remittance: 'VIREMENT SANS REFERENCE' },
  ];
  const file = join(mkdtempSync(join(tmpdir(), 'pn-releve-')), 'releve.xml');
  writeFileSync(file, camt053('08', { iban: app.config.operatorAccount.iban, id: `RELEVE-${lastMonth}`, from: `${today.slice(0, 8)}01`, to: today, openingCents: 1_000_000, entries }));

  const page = await (await browser.newContext()).newPage();
  await loginInBrowser(page, baseUrl, 'finances@operateur.demo', DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Finances' }).first().click();
  await page.getByRole('link', { name: 'Relevés bancaires' }).first().click();
  await page.waitForURL(/\/finances\/releves-bancaires$/);
  t.same(await axeViolations(page), [], 'statements page: no axe violation');
  await page.getByLabel('Fichier du relevé').setInputFiles(file);
  await page.getByRole('button', { name: 'Importer le relevé' }).click();
  await page.waitForURL(/message=importe/);
  const alert = await page.locator('.fr-alert--success').innerText();
  t.match(alert, new RegExp(`${owed.length + waitingPayouts.length} rapprochés automatiquement, 1 à traiter`));
  const table = await page.locator('table').innerText();
  for (const i of owed) t.match(table, `Paiement de la facture ${i.number}`, `${i.number} paid by the statement`);
  for (const p of waitingPayouts) t.match(table, `Virement ${p.reference}`, `${p.reference} executed by the statement`);
  t.same(await axeViolations(page), [], 'statement page: no axe violation');

  await page.goto(`${baseUrl}/commandes/${waitingOrder.id}`);
  t.match((await page.locator('.fr-badge').allInnerTexts()).join(' '), /Financée/i, 'the order’s funding is open');
  t.ok(db.select().from(orders).where(eq(orders.id, waitingOrder.id)).get()!.fundedAt);
  await page.goto(`${baseUrl}/finances/remboursements/${batch.id}`);
  t.match(await page.locator('.fr-badge').first().innerText(), /Payé/i, 'the batch is paid');

  // The unknown credit: finance reads it from the queue, behind a recap.
  await page.goto(`${baseUrl}/finances/releves-bancaires`);
  await page.getByRole('link', { name: 'Voir la file des mouvements à traiter' }).click();
  t.same(await axeViolations(page), [], 'queue: no axe violation');
  const suggestion = page.getByRole('button', { name: /^Rapprocher de la facture FAC-/ }).first();
  const number = /FAC-\d{4}-\d{6}/.exec(await suggestion.innerText())![0];
  await suggestion.click();
  t.match(await page.locator('h1').innerText(), `Rapprocher ce virement de la facture ${number}`);
  t.match(await page.locator('body').innerText(), /Cette action ne pourra pas être annulée/);
  t.same(await axeViolations(page), [], 'recap: no axe violation');
  await page.getByRole('button', { name: `Rapprocher de la facture ${number}` }).click();
  await page.waitForURL(/message=rapproche/);
  t.match(await page.locator('.fr-alert--success').innerText(), /Mouvement rapproché/);
  t.match(await page.locator('main').innerText(), /Aucun mouvement à traiter/);
  t.equal(db.select().from(invoices).where(eq(invoices.number, number)).get()!.paidCents > 0, true, 'the invoice received the payment');

  await page.goto(`${baseUrl}/finances/rapprochement`);
  t.match(await page.locator('main').innerText(), /Concordant/i, 'the bank account agrees with the statement’s closing balance');
  t.same(await axeViolations(page), [], 'reconciliation: no axe violation');
});
