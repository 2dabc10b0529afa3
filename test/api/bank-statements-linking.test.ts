import t from 'tap';
import { eq } from 'drizzle-orm';
import { bankEntries } from '../../db/schema/bank-statements.ts';
import { invoices, payments } from '../../db/schema/orders.ts';
import { payouts, reimbursementBatches } from '../../db/schema/reimbursement.ts';
import { recordPayment } from '../../server/modules/finance/invoices.service.ts';
import { markBatchPaid } from '../../server/modules/finance/reimbursement.service.ts';
import { reconciliationReport } from '../../server/modules/finance/reconciliation.ts';
import { camt053, type TestBankEntry } from '../helpers/bank-files.ts';
import { iban, importFile, november, post } from '../helpers/bank-world.ts';
import { actorOf } from '../helpers/fixtures.ts';

/**
 * A statement never records twice what finance already recorded by hand, reads a transfer that
 * came back as the payout rejected with both movements in the journal, keeps two equal movements
 * without bank references apart, and says what each movement became in the documents' words.
 */
const bankLine = (db: Parameters<typeof reconciliationReport>[0]) => reconciliationReport(db).bank!;
const journalCount = (db: Parameters<typeof reconciliationReport>[0]) => db.$client.prepare('SELECT COUNT(*) AS n FROM journal_entries').get() as { n: number };
/** A camt.053.001.02 statement of the operator's account for 1–10 November, opening at zero. */
const firstTenDays = (ctx: Parameters<typeof iban>[0], entries: TestBankEntry[]) => camt053('02', { iban: iban(ctx), from: '2026-11-01', to: '2026-11-10', openingCents: 0, entries });

t.test('a payment finance typed in is the statement’s credit, not a second payment', async (t) => {
  const ctx = await november(t);
  recordPayment({ db: ctx.db, clock: ctx.clock, actor: actorOf(ctx.db, ctx.world.operatorFinance), input: { invoiceId: ctx.buyerInvoice.id, amountCents: 3_000, receivedOn: '2026-11-04', reference: 'VIR reçu' } });
  const file = firstTenDays(ctx, [{ ref: 'H1', date: '2026-11-05', direction: 'credit', amountCents: 3_000, remittance: `VIR ${ctx.buyerInvoice.number}` }]);
  const res = await importFile(ctx.finance, 'application/xml', file);
  t.match(res.json(), { matched: 1, unmatched: 0 });
  t.equal(ctx.db.select().from(payments).all().length, 1, 'still one payment');
  t.equal(ctx.db.select().from(invoices).where(eq(invoices.id, ctx.buyerInvoice.id)).get()!.paidCents, 3_000);
  t.equal(ctx.db.select().from(bankEntries).get()!.matchedId, ctx.db.select().from(payments).get()!.id, 'linked to the typed payment');
  t.match(bankLine(ctx.db), { agree: true, closingCents: 3_000 });
});

t.test('a batch finance marked paid by hand is the statement’s grouped debit, not a second execution', async (t) => {
  const ctx = await november(t);
  markBatchPaid({ db: ctx.db, clock: ctx.clock, actor: actorOf(ctx.db, ctx.world.operatorFinance), batchId: ctx.batch.id, paidOn: '2026-11-06' });
  const before = journalCount(ctx.db).n;
  const file = camt053('08', { iban: iban(ctx), from: '2026-11-01', to: '2026-11-10', openingCents: 50_000, entries: [{ ref: 'G1', date: '2026-11-06', direction: 'debit', amountCents: ctx.batch.totalCents, remittance: 'REMISE SEPA' }] });
  t.match((await importFile(ctx.finance, 'application/xml', file)).json(), { matched: 1, unmatched: 0 });
  t.equal(journalCount(ctx.db).n, before, 'nothing new in the journal');
  t.match(ctx.db.select().from(bankEntries).get()!, { matchedKind: 'batch', matchedId: ctx.batch.id });
  t.match(bankLine(ctx.db), { agree: true });
  // The same payouts named one by one afterwards are already read: they wait for finance.
  const again = camt053('08', { iban: iban(ctx), from: '2026-11-11', to: '2026-11-12', openingCents: 0, entries: [{ ref: 'G2', date: '2026-11-11', direction: 'debit', amountCents: ctx.epnPayout.amountCents, endToEndId: ctx.epnPayout.reference }] });
  t.match((await importFile(ctx.finance, 'application/xml', again)).json(), { matched: 0, unmatched: 1 });
});

t.test('a transfer that came back before its debit was read: executed then rejected, both movements in the journal', async (t) => {
  const ctx = await november(t);
  const payout = ctx.epnPayout;
  const file = camt053('02', {
    iban: iban(ctx),
    from: '2026-11-01',
    to: '2026-11-10',
    openingCents: 20_000,
    entries: [
      { ref: 'R2', date: '2026-11-09', direction: 'credit', amountCents: payout.amountCents, endToEndId: payout.reference, returnReason: 'AC04' },
      { ref: 'R1', date: '2026-11-07', direction: 'debit', amountCents: payout.amountCents, endToEndId: payout.reference },
    ],
  });
  t.match((await importFile(ctx.finance, 'application/xml', file)).json(), { matched: 2, unmatched: 0 });
  t.match(ctx.db.select().from(payouts).where(eq(payouts.id, payout.id)).get()!, { status: 'rejected', rejectionReason: /AC04/ });
  t.match(bankLine(ctx.db), { agree: true, closingCents: 20_000, journalMovementsCents: 0 });
  t.same(reconciliationReport(ctx.db).checks.filter((c) => !c.balanced), []);

  // The return alone (its debit on no statement) still leaves the journal with both movements.
  const other = ctx.bibPayout;
  const alone = camt053('08', { iban: iban(ctx), from: '2026-11-11', to: '2026-11-12', openingCents: 20_000, entries: [{ ref: 'R3', date: '2026-11-12', direction: 'credit', amountCents: other.amountCents, endToEndId: other.reference, returnReason: 'AM04' }] });
  t.match((await importFile(ctx.finance, 'application/xml', alone)).json(), { matched: 1 });
  t.equal(ctx.db.select().from(payouts).where(eq(payouts.id, other.id)).get()!.status, 'rejected');
  t.equal(ctx.db.select().from(reimbursementBatches).get()!.status, 'paid', 'the batch has no payout left to execute');
});

t.test('two equal movements without bank references stay two, and an overlapping statement adds neither again', async (t) => {
  const ctx = await november(t);
  const entry = { ref: 'X', date: '2026-11-08', direction: 'credit' as const, amountCents: 1_234, remittance: 'COTISATION' };
  const strip = (xml: string) => xml.replace(/<NtryRef>[^<]*<\/NtryRef>|<AcctSvcrRef>[^<]*<\/AcctSvcrRef>/g, '');
  const first = strip(camt053('02', { iban: iban(ctx), id: 'A', from: '2026-11-08', to: '2026-11-08', openingCents: 0, entries: [entry, entry] }));
  t.match((await importFile(ctx.finance, 'application/xml', first)).json(), { entries: 2, unmatched: 2, duplicates: 0 });
  const overlap = strip(camt053('08', { iban: iban(ctx), id: 'B', from: '2026-11-08', to: '2026-11-09', openingCents: 0, entries: [entry, entry] }));
  t.match((await importFile(ctx.finance, 'application/xml', overlap)).json(), { entries: 2, unmatched: 0, duplicates: 2 });
  t.equal(ctx.db.select().from(bankEntries).all().length, 2);
});

t.test('a credit citing two invoices waits for finance; a payout of another amount cannot be matched by hand', async (t) => {
  const ctx = await november(t);
  const file = firstTenDays(ctx, [
    { ref: 'M1', date: '2026-11-05', direction: 'credit', amountCents: 1_000, remittance: `${ctx.buyerInvoice.number} ${ctx.stateInvoice.number}` },
    { ref: 'M2', date: '2026-11-06', direction: 'debit', amountCents: 999, remittance: 'VIREMENT' },
  ]);
  t.match((await importFile(ctx.finance, 'application/xml', file)).json(), { matched: 0, unmatched: 2 });
  const queue = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/bank-entries/unmatched' })).json().items;
  const credit = queue.find((e: { direction: string }) => e.direction === 'credit');
  t.same(credit.suggestions.slice(0, 2).map((s: { number: string }) => s.number).sort(), [ctx.buyerInvoice.number, ctx.stateInvoice.number].sort(), 'both cited invoices come first');
  t.match(credit.suggestions[0].reasons, [/reste dû/, /cité/]);
  const debit = queue.find((e: { direction: string }) => e.direction === 'debit');
  const refused = await post(ctx.finance, `/api/v1/bank-entries/${debit.id}/match`, { payoutId: ctx.epnPayout.id });
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'bank_entry_mismatch');
  t.equal(ctx.db.select().from(payouts).where(eq(payouts.id, ctx.epnPayout.id)).get()!.status, 'approved');
});

t.test('a statement in the API: its movements and what each became, by number and name', async (t) => {
  const ctx = await november(t);
  const file = firstTenDays(ctx, [
    { ref: 'D1', date: '2026-11-05', direction: 'credit', amountCents: ctx.buyerInvoice.totalCents, endToEndId: ctx.buyerInvoice.number },
    { ref: 'D2', date: '2026-11-06', direction: 'debit', amountCents: ctx.bibPayout.amountCents, endToEndId: ctx.bibPayout.reference },
    { ref: 'D3', date: '2026-11-07', direction: 'debit', amountCents: 250, remittance: 'FRAIS' },
  ]);
  const { id } = (await importFile(ctx.finance, 'application/xml', file)).json();
  const list = (await ctx.finance.inject({ method: 'GET', url: '/api/v1/bank-statements' })).json().items;
  t.match(list, [{ id, entryCount: 3, matched: 2, unmatched: 1, dismissed: 0, openingCents: 0, closingCents: ctx.buyerInvoice.totalCents - ctx.bibPayout.amountCents - 250 }]);
  const detail = (await ctx.finance.inject({ method: 'GET', url: `/api/v1/bank-statements/${id}` })).json();
  t.match(detail.entries.map((e: { matchedLabel: string }) => e.matchedLabel), [new RegExp(`Paiement de la facture ${ctx.buyerInvoice.number}`), new RegExp(`Virement ${ctx.bibPayout.reference} — Médiathèque`), /À traiter/]);
  t.equal((await ctx.finance.inject({ method: 'GET', url: '/api/v1/bank-statements/00000000-0000-4000-8000-000000000000' })).statusCode, 404);
});
