import t from 'tap';
import iconv from 'iconv-lite';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createProgram, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { postOrder, untargetedOrder } from '../helpers/orders.ts';
import { FEC_COLUMNS } from '../../server/modules/finance/fec.ts';

t.test('the FEC of the year balances, has 18 columns and numbers entries continuously per journal', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const program = createProgram(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const operator = await loginAs(app, world.operatorAdmin);
  const finance = await loginAs(app, world.operatorFinance);
  for (let i = 0; i < 3; i++) {
    const order = (await postOrder(buyer, { ...untargetedOrder, bookletCount: 10 + i, cofinancingProgramId: program.id })).json();
    await operator.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` });
  }
  const invoices = (await finance.inject({ method: 'GET', url: '/api/v1/invoices?limit=500' })).json().items;
  await finance.inject({ method: 'POST', url: '/api/v1/payments', payload: { invoiceId: invoices[0].id, amountCents: 1000, receivedOn: '2026-11-25', reference: 'VIR-1' } });

  const res = await finance.inject({ method: 'GET', url: '/api/v1/exports/fec?year=2026' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-disposition'], /FEC20261231\.txt/);
  const text = iconv.decode(res.rawPayload, 'iso-8859-15');
  const lines = text.split('\r\n').filter(Boolean);
  t.same(lines[0]!.split('\t'), [...FEC_COLUMNS]);
  const records = lines.slice(1).map((l) => l.split('\t'));
  t.ok(records.every((r) => r.length === 18), 'every line has 18 fields');
  const cents = (v: string) => (v ? Math.round(Number(v.replace(',', '.')) * 100) : 0);
  const byEntry = new Map<string, number>();
  for (const r of records) byEntry.set(r[2]!, (byEntry.get(r[2]!) ?? 0) + cents(r[11]!) - cents(r[12]!));
  t.ok([...byEntry.values()].every((v) => v === 0), 'every entry balances');
  t.same([...new Set(records.filter((r) => r[0] === 'VE').map((r) => r[2]))], ['VE2026000001', 'VE2026000002', 'VE2026000003']);
  t.same([...new Set(records.filter((r) => r[0] === 'BQ').map((r) => r[2]))], ['BQ2026000001']);
  t.ok(records.some((r) => r[4] === '411000' && r[6] === world.buyer.id), 'buyer receivable on 411 with the buyer as auxiliary account');
  t.match(text, /Département de test/, 'auxiliary names in Latin-9');
  const buyerSession = await loginAs(app, world.buyerAdmin);
  t.equal((await buyerSession.inject({ method: 'GET', url: '/api/v1/exports/fec?year=2026' })).statusCode, 403);
});
