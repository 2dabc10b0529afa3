import t from 'tap';
import { eq } from 'drizzle-orm';
import { invoices, orders, payments } from '../../db/schema/orders.ts';
import { payouts, reimbursementBatches } from '../../db/schema/reimbursement.ts';
import { balanceOf, trialBalance } from '../../server/modules/finance/ledger.ts';
import { reconciliationReport } from '../../server/modules/finance/reconciliation.ts';
import { loginAs } from '../helpers/app.ts';
import { camt053, cfonb120 } from '../helpers/bank-files.ts';
import { iban, importFile, november, post } from '../helpers/bank-world.ts';

t.test('camt.053.001.02: the buyer’s transfers become payments at the booking date and open funding; a payout debit is paid; the rest waits with suggestions', async (t) => {
  const ctx = await november(t);
  const half = Math.floor(ctx.buyerInvoice.totalCents / 2);
  const file = camt053('02', {
    iban: iban(ctx),
    id: 'RELEVE-2026-11-A',
    from: '2026-11-01',
    to: '2026-11-15',
    openingCents: 0,
    entries: [
      { ref: 'BQ0001', date: '2026-11-05', direction: 'credit', amountCents: half, remittance: `VIR DEPARTEMENT ${ctx.buyerInvoice.number} ACOMPTE`, counterparty: 'DEPARTEMENT' },
      { ref: 'BQ0002', date: '2026-11-06', direction: 'credit', amountCents: ctx.buyerInvoice.totalCents - half, endToEndId: ctx.buyerInvoice.number },
      { ref: 'BQ0003', date: '2026-11-06', direction: 'debit', amountCents: ctx.epnPayout.amountCents, endToEndId: ctx.epnPayout.reference },
      { ref: 'BQ0004', date: '2026-11-07', direction: 'credit', amountCents: 4_000, remittance: 'VIREMENT DIVERS SANS REFERENCE' },
    ],
  });
  const res = await importFile(ctx.finance, 'application/xml', file);
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { entries: 4, matched: 3, unmatched: 1, duplicates: 0 });
  const paid = ctx.db.select().from(payments).where(eq(payments.invoiceId, ctx.buyerInvoice.id)).all();
  t.same(paid.map((p) => [p.receivedOn, p.amountCents]).sort(), [['2026-11-05', half], ['2026-11-06', ctx.buyerInvoice.totalCents - half]], 'payments at the booking dates');
  t.ok(ctx.db.select().from(orders).where(eq(orders.id, ctx.waiting.id)).get()!.fundedAt, 'the buyer’s invoice fully paid: funding opened');
  t.equal(ctx.db.select().from(payouts).where(eq(payouts.id, ctx.epnPayout.id)).get()!.status, 'paid');
  t.equal(ctx.db.select().from(reimbursementBatches).get()!.status, 'approved', 'the other payout still waits');

  const again = await importFile(ctx.finance, 'application/xml', file);
  t.equal(again.statusCode, 200);
  t.match(again.json(), { id: res.json().id, matched: 0, unmatched: 0 });
  t.equal(ctx.db.select().from(payments).all().length, 2, 'the same file again records nothing');

  const queue = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/bank-entries/unmatched' })).json().items;
  t.equal(queue.length, 1);
  t.match(queue[0], { amountCents: 4_000, direction: 'credit', status: 'unmatched' });
  t.ok(queue[0].suggestions.some((s: { id: string }) => s.id === ctx.stateInvoice.id), 'an invoice owing at least that much is suggested');
  const dismissed = await post(ctx.finance, `/api/v1/bank-entries/${queue[0].id}/dismiss`, { reason: 'Remboursement de frais bancaires' });
  t.equal(dismissed.json().status, 'dismissed');
  t.equal((await post(ctx.finance, `/api/v1/bank-entries/${queue[0].id}/dismiss`, { reason: 'encore' })).statusCode, 409);
  t.match(reconciliationReport(ctx.db).checks.find((c) => c.id === 'bank_statement'), { balanced: true, expected: ctx.buyerInvoice.totalCents - ctx.epnPayout.amountCents + 4_000 }, 'the closing balance, the set-aside credit included');
  t.match(reconciliationReport(ctx.db).bank, { closingCents: ctx.buyerInvoice.totalCents - ctx.epnPayout.amountCents + 4_000, dismissedCents: 4_000, unmatchedCount: 0, agree: true });
  t.ok(trialBalance(ctx.db).balanced);
  t.same(reconciliationReport(ctx.db).checks.filter((c) => !c.balanced), []);
});

t.test('camt.053.001.08 overlapping the previous one: known entries are skipped, the batch is paid, a return rejects the payout', async (t) => {
  const ctx = await november(t);
  const first = { ref: 'BQ0003', date: '2026-11-06', direction: 'debit' as const, amountCents: ctx.epnPayout.amountCents, endToEndId: ctx.epnPayout.reference };
  t.equal((await importFile(ctx.finance, 'application/xml', camt053('02', { iban: iban(ctx), from: '2026-11-01', to: '2026-11-06', openingCents: 100_000, entries: [first] }))).statusCode, 201);
  const overlapping = camt053('08', {
    iban: iban(ctx),
    id: 'RELEVE-2026-11-B',
    from: '2026-11-06',
    to: '2026-11-12',
    openingCents: 100_000,
    entries: [
      first,
      { ref: 'BQ0005', date: '2026-11-07', direction: 'debit', amountCents: ctx.bibPayout.amountCents, endToEndId: ctx.bibPayout.reference, counterparty: 'Médiathèque' },
      { ref: 'BQ0006', date: '2026-11-10', direction: 'credit', amountCents: ctx.epnPayout.amountCents, endToEndId: ctx.epnPayout.reference, returnReason: 'AC04' },
    ],
  });
  const res = await importFile(ctx.finance, 'application/xml', overlapping);
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { entries: 3, matched: 2, unmatched: 0, duplicates: 1 });
  t.equal(ctx.db.select().from(reimbursementBatches).get()!.status, 'paid', 'every payout executed: the batch is paid');
  const epn = ctx.db.select().from(payouts).where(eq(payouts.id, ctx.epnPayout.id)).get()!;
  t.match(epn, { status: 'rejected', rejectionReason: /AC04/ });
  t.equal(balanceOf(ctx.db, 'bank:in_transit'), 0);
  t.ok(trialBalance(ctx.db).balanced);
  t.same(reconciliationReport(ctx.db).checks.filter((c) => !c.balanced), []);
});

t.test('CFONB 120: the State’s transfer pays its call for funds and, with the buyer’s, opens funding; a grouped debit pays the whole batch', async (t) => {
  const ctx = await november(t);
  const file = cfonb120({
    iban: iban(ctx),
    from: '2026-11-01',
    to: '2026-11-14',
    openingCents: 5_000,
    entries: [
      { ref: '0000101', date: '2026-11-04', direction: 'credit', amountCents: ctx.buyerInvoice.totalCents, remittance: `REGLEMENT ${ctx.buyerInvoice.number}`, counterparty: 'PAIERIE DEPARTEMENTALE' },
      { ref: '0000102', date: '2026-11-05', direction: 'credit', amountCents: ctx.stateInvoice.totalCents, remittance: 'DRFIP VIREMENT', endToEndId: ctx.stateInvoice.number },
      { ref: '0000103', date: '2026-11-06', direction: 'debit', amountCents: ctx.batch.totalCents, remittance: 'REMISE VIREMENTS SEPA' },
    ],
  });
  const res = await importFile(ctx.finance, 'text/plain', file);
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { entries: 3, matched: 3, unmatched: 0 });
  t.ok(ctx.db.select().from(orders).where(eq(orders.id, ctx.waiting.id)).get()!.fundedAt, 'both invoices paid: funding opened');
  t.match(ctx.db.select().from(reimbursementBatches).get()!, { status: 'paid', paidOn: '2026-11-06' });
  const report = reconciliationReport(ctx.db);
  t.same(report.checks.filter((c) => !c.balanced), []);
  t.match(report.checks.find((c) => c.id === 'bank_statement'), { balanced: true }, 'the bank account is checked against the last statement');
});

t.test('a statement that does not add up, another account, or an unreadable file is refused with nothing recorded', async (t) => {
  const ctx = await november(t);
  const entries = [{ ref: 'X1', date: '2026-11-04', direction: 'credit' as const, amountCents: 1_000, endToEndId: ctx.buyerInvoice.number }];
  const unbalanced = await importFile(ctx.finance, 'text/plain', cfonb120({ iban: iban(ctx), from: '2026-11-01', to: '2026-11-05', openingCents: 0, closingCents: 1_500, entries }));
  t.equal(unbalanced.statusCode, 422);
  t.match(unbalanced.json(), { code: 'statement_unbalanced', openingCents: 0, movementCents: 1_000, closingCents: 1_500, differenceCents: 500 });
  const other = await importFile(ctx.finance, 'application/xml', camt053('02', { iban: 'FR1420041010050500013M02606', from: '2026-11-01', to: '2026-11-05', openingCents: 0, entries }));
  t.equal(other.json().code, 'statement_wrong_account');
  t.equal((await importFile(ctx.finance, 'application/xml', '<Document xmlns="urn:x"/>')).json().code, 'statement_format_unsupported');
  t.equal((await importFile(ctx.finance, 'text/plain', 'not a statement')).json().code, 'statement_unreadable');
  t.equal(ctx.db.select().from(payments).all().length, 0);
  const buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  t.equal((await importFile(buyer, 'text/plain', 'x')).statusCode, 403, 'finance only');
});

t.test('finance matches a queued credit to an invoice by hand, within what is due', async (t) => {
  const ctx = await november(t);
  const file = camt053('08', { iban: iban(ctx), from: '2026-11-01', to: '2026-11-09', openingCents: 0, entries: [{ ref: 'M1', date: '2026-11-08', direction: 'credit', amountCents: 2_000, remittance: 'PAIEMENT COMMANDE' }] });
  t.match((await importFile(ctx.finance, 'application/xml', file)).json(), { matched: 0, unmatched: 1 });
  const [entry] = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/bank-entries/unmatched' })).json().items;
  const matched = await post(ctx.finance, `/api/v1/bank-entries/${entry.id}/match`, { invoiceId: ctx.buyerInvoice.id });
  t.equal(matched.statusCode, 200, matched.body);
  t.match(matched.json(), { status: 'matched', matchedKind: 'payment' });
  t.equal(ctx.db.select().from(invoices).where(eq(invoices.id, ctx.buyerInvoice.id)).get()!.paidCents, 2_000);
  t.equal(ctx.db.select().from(payments).get()!.receivedOn, '2026-11-08');
  t.match(reconciliationReport(ctx.db).checks.find((c) => c.id === 'bank_statement'), { balanced: true });
});
