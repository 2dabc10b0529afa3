/**
 * FEC PieceRef: each entry names its own piece (invoice, call for funds, payment, payout, batch,
 * redemption), so an auditor can find the document behind every line.
 */
import t from 'tap';
import iconv from 'iconv-lite';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { exportFec } from '../../server/modules/finance/fec-export.ts';
import { approveBatch, buildBatch, markBatchPaid } from '../../server/modules/finance/reimbursement.service.ts';
import { recordPayment } from '../../server/modules/finance/invoices.service.ts';
import { redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { invoices } from '../../db/schema/orders.ts';
import { payouts } from '../../db/schema/reimbursement.ts';
import { eq } from 'drizzle-orm';
import { testConfig } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, createPlace, createProgram, createUser, handOutBooklet, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb } from '../helpers/test-db.ts';

const codes = passCodeFactoryFor(testConfig());

t.test('every FEC entry carries its document number: a distinct piece per redemption of one minute, FAC- numbers on order entries', async (t) => {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const place = await createPlace(db, { sites: [{ communeCode: '31555' }] });
  const program = createProgram(db);
  const order = createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, bookletCount: 3, passesPerBooklet: 5, funded: true, cofinancingProgramId: program.id });
  const passCodes: string[] = [];
  for (const booklet of await bookletsOf(db, order.id)) passCodes.push(...(await handOutBooklet(db, booklet.id)));
  const agent = actorOf(db, place.agent);
  // Fifteen redemptions within the same minute: their time-ordered ids share their first digits.
  for (const [i, code] of passCodes.entries()) {
    clock.set(`2026-11-25T10:00:${String(i * 3).padStart(2, '0')}.000Z`);
    redeemPass({ db, clock, codes, gracePeriodDays: 31, actor: agent, code });
  }
  const finance = actorOf(db, cast.operatorFinance);
  const orderInvoices = db.select().from(invoices).where(eq(invoices.orderId, order.id)).all();
  const buyerInvoice = orderInvoices.find((i) => i.party === 'buyer')!;
  const callForFunds = orderInvoices.find((i) => i.party === 'state')!;
  recordPayment({ db, clock, actor: finance, input: { invoiceId: buyerInvoice.id, amountCents: 1000, receivedOn: '2026-11-25', reference: 'VIR-DEP-1' } });
  clock.set('2026-12-02T09:00:00Z');
  const { batch } = buildBatch({ db, clock, actor: finance, period: '2026-11' });
  const treasurer = actorOf(db, await createUser(db, cast.operator, { role: 'finance' }));
  const approved = approveBatch({ db, clock, actor: treasurer, batchId: batch.id });
  markBatchPaid({ db, clock, actor: finance, batchId: batch.id, paidOn: '2026-12-02' });
  const payout = db.select().from(payouts).where(eq(payouts.batchId, batch.id)).get()!;

  const records = iconv
    .decode(exportFec(db, 2026).content, 'iso-8859-15')
    .split('\r\n')
    .filter(Boolean)
    .slice(1)
    .map((line) => line.split('\t'));
  const pieceOf = (r: string[]) => r[8]!;
  const entriesOfLabel = (pattern: RegExp) => [...new Map(records.filter((r) => pattern.test(r[10]!)).map((r) => [r[2]!, r])).values()];

  const redemptionEntries = records.filter((r) => r[0] === 'OD' && /encaiss/i.test(r[10]!));
  const redemptionPieces = new Set(entriesOfLabel(/encaiss/i).map(pieceOf));
  t.equal(entriesOfLabel(/encaiss/i).length, 15, 'one entry per redemption');
  t.equal(redemptionPieces.size, 15, 'fifteen redemptions, fifteen pieces');
  t.ok(redemptionEntries.every((r) => /^ENC-[0-9a-f-]{36}$/.test(pieceOf(r))), 'the redemption’s full reference');

  const orderLines = records.filter((r) => r[0] === 'VE');
  t.ok(orderLines.length > 0);
  t.same([...new Set(orderLines.filter((r) => r[4] !== '441000').map(pieceOf))], [buyerInvoice.number], 'the buyer’s lines carry its invoice number');
  t.same([...new Set(orderLines.filter((r) => r[4] === '441000').map(pieceOf))], [callForFunds.number], 'the State’s line carries the call for funds');
  t.match(buyerInvoice.number, /^FAC-/);

  t.same(new Set(records.filter((r) => r[10]!.startsWith('Paiement') || /VIR-DEP-1/.test(pieceOf(r))).map(pieceOf)), new Set([`${buyerInvoice.number} (VIR-DEP-1)`]), 'the payment names its invoice');
  t.ok(records.some((r) => pieceOf(r) === payout.reference && /^RB-/.test(pieceOf(r))), 'the payout export carries its RB- reference');
  t.ok(records.some((r) => r[3] === '20261202' && pieceOf(r) === approved.messageId), 'the batch paid in one debit carries the SEPA message id');

  const validDates = records.map((r) => r[15]!);
  t.same(validDates, [...validDates].sort(), 'entries in validation order');
});
