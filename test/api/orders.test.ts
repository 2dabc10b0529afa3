import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createProgram, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { baseOrder } from '../helpers/orders.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { journalEntries } from '../../db/schema/ledger.ts';
import { setSetting, OPERATOR_FEE_SETTING } from '../../server/shared/settings.repository.ts';
import { trialBalance, balanceOf } from '../../server/modules/finance/ledger.ts';
import { IDEMPOTENCY_RETENTION_DAYS, purgeIdempotencyKeys } from '../../server/shared/idempotency-keys.ts';
import { idempotencyKeys } from '../../db/schema/accounts.ts';


async function setup(t: Test, programOverrides = {}) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db, { minOrderCents: 2_000_000, perBuyerCapCents: 150_000_000, ...programOverrides });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const finance = await loginAs(ctx.app, world.operatorFinance);
  return { ...ctx, world, program, buyer, operator, finance };
}

const post = (s: Session, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  s.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });

t.test('a département ordering 200 booklets of 10 passes at 10 € gets half from the State', async (t) => {
  const { buyer, program } = await setup(t);
  const quote = await post(buyer, '/api/v1/orders/quote', { ...baseOrder, cofinancingProgramId: program.id });
  t.equal(quote.statusCode, 200);
  t.match(quote.json(), { passCount: 2000, totalCents: 2_000_000, stateShareCents: 1_000_000, buyerShareCents: 1_000_000 });
  const order = await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: program.id });
  t.equal(order.statusCode, 201);
  t.match(order.json(), { status: 'submitted', funded: false, totalCents: 2_000_000, stateShareCents: 1_000_000, reference: /^CMD-2026-\d{6}$/ });
});

t.test('odd totals split to the cent at 50 % and 33,33 %', async (t) => {
  const { buyer, db } = await setup(t);
  const odd = { ...baseOrder, bookletCount: 3, passesPerBooklet: 7, faceValueCents: 1001 };
  const half = createProgram(db, { rateBasisPoints: 5000 });
  const third = createProgram(db, { rateBasisPoints: 3333 });
  t.match((await post(buyer, '/api/v1/orders/quote', { ...odd, cofinancingProgramId: half.id })).json(), { totalCents: 21021, stateShareCents: 10510, buyerShareCents: 10511 });
  t.match((await post(buyer, '/api/v1/orders/quote', { ...odd, cofinancingProgramId: third.id })).json(), { totalCents: 21021, stateShareCents: 7006, buyerShareCents: 14015 });
});

t.test('a private buyer asking for the programme is refused with the failed condition', async (t) => {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db);
  const { createOrganisation, createUser } = await import('../helpers/fixtures.ts');
  const company = createOrganisation(ctx.db, { kind: 'buyer', buyerType: 'private', name: 'Fondation' });
  const s = await loginAs(ctx.app, await createUser(ctx.db, company));
  const res = await post(s, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: program.id });
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'cofinancing_not_eligible', condition: 'buyer_type' });
  t.equal(ctx.db.select().from(orders).all().length, 0, 'nothing written');
  void world;
});

t.test('the quote always shows the price: under the programme minimum it is without co-financing and says why', async (t) => {
  const { buyer, program } = await setup(t);
  const res = await post(buyer, '/api/v1/orders/quote', { ...baseOrder, bookletCount: 10, cofinancingProgramId: program.id });
  t.equal(res.statusCode, 200);
  const quote = res.json();
  t.match(quote, { passCount: 100, totalCents: 100_000, stateShareCents: 0, buyerShareCents: 100_000, cofinancingProgramId: null });
  t.equal(quote.cofinancingNotApplied.condition, 'minimum_order');
  t.match(quote.cofinancingNotApplied.message, /exige une commande d’au moins 20\s000\s€/, 'the refusal in words, with the amount');
  const eligible = (await post(buyer, '/api/v1/orders/quote', { ...baseOrder, cofinancingProgramId: program.id })).json();
  t.equal(eligible.cofinancingNotApplied, null, 'an eligible order is co-financed, nothing to explain');
  t.ok(eligible.stateShareCents > 0);
  const page = await buyer.inject({ method: 'POST', url: '/commandes/nouvelle', payload: { action: 'simuler', bookletCount: '10', passesPerBooklet: '10', faceValueEuros: '10', validFrom: '2027-01-01', validUntil: '2027-12-31', territoires: 'departements:31', cofinancingProgramId: program.id, _csrf: buyer.csrfToken } });
  t.match(page.body, 'Sans cofinancement de l’État', 'the page without JavaScript says it too');
  t.match(page.body, 'data-quote="buyerInvoiceTotalCents"', 'and shows the price');
});

t.test('an order under the programme minimum is refused', async (t) => {
  const { buyer, program } = await setup(t);
  const res = await post(buyer, '/api/v1/orders', { ...baseOrder, bookletCount: 10, cofinancingProgramId: program.id });
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'cofinancing_not_eligible', condition: 'minimum_order' });
});

t.test('an order placed outside the programme dates is refused', async (t) => {
  const { buyer, db } = await setup(t);
  const future = createProgram(db, { startsOn: '2027-01-01', endsOn: '2027-12-31' });
  const res = await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: future.id });
  t.match(res.json(), { code: 'cofinancing_not_eligible', condition: 'dates' });
});

t.test('the per-buyer cap limits the State share over the buyer\'s orders', async (t) => {
  const { buyer, operator, db } = await setup(t);
  const capped = createProgram(db, { perBuyerCapCents: 1_500_000 });
  const first = (await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: capped.id })).json();
  t.equal(first.stateShareCents, 1_000_000);
  t.equal((await post(operator, `/api/v1/orders/${first.id}/approve`)).statusCode, 200);
  const second = (await post(buyer, '/api/v1/orders/quote', { ...baseOrder, cofinancingProgramId: capped.id })).json();
  t.equal(second.stateShareCents, 500_000);
  t.equal(second.cappedBy, 'buyer_cap');
});

t.test('a nearly exhausted envelope caps the share at what remains', async (t) => {
  const { buyer, db } = await setup(t);
  const almost = createProgram(db, { envelopeCents: 10_000_000, committedCents: 9_700_000 });
  const q = (await post(buyer, '/api/v1/orders/quote', { ...baseOrder, cofinancingProgramId: almost.id })).json();
  t.equal(q.stateShareCents, 300_000);
  t.equal(q.buyerShareCents, 1_700_000);
  t.equal(q.cappedBy, 'envelope');
});

t.test('validation: sizes, dates, unknown publics and territory codes are each named', async (t) => {
  const { buyer } = await setup(t);
  const bad = await post(buyer, '/api/v1/orders', { ...baseOrder, bookletCount: 0, passesPerBooklet: 21, faceValueCents: 10_001, validFrom: '2027-12-31', validUntil: '2027-01-01' });
  t.equal(bad.statusCode, 400);
  const paths = bad.json().errors.map((e: { path: string }) => e.path).sort();
  t.same(paths, ['bookletCount', 'faceValueCents', 'passesPerBooklet', 'validUntil']);
  const codes = await post(buyer, '/api/v1/orders', { ...baseOrder, publics: ['seniors_60_plus', 'martiens'], territory: { communes: ['31555', '99999'], epcis: ['123456789'] } });
  t.equal(codes.statusCode, 400);
  t.equal(codes.json().code, 'unknown_reference_code');
  const messages = codes.json().errors.map((e: { path: string; message: string }) => `${e.path}: ${e.message}`);
  t.ok(messages.some((m: string) => m.startsWith('publics.1') && m.includes('martiens')));
  t.ok(messages.some((m: string) => m.startsWith('territory.communes.1') && m.includes('99999')));
  t.ok(messages.some((m: string) => m.startsWith('territory.epcis.0') && m.includes('123456789')));
});

t.test('approval commits the envelope, raises both invoices and posts a balanced journal entry', async (t) => {
  const { buyer, operator, db, program, world } = await setup(t);
  setSetting(db, OPERATOR_FEE_SETTING, '400', '2026-11-25T00:00:00Z');
  const order = (await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: program.id, chorusServiceCode: 'SERV-42', engagementNumber: 'EJ-2026-7' })).json();
  t.match(order, { feeCents: 80_000, vatCents: 16_000 });
  const approved = await post(operator, `/api/v1/orders/${order.id}/approve`);
  t.equal(approved.statusCode, 200);
  t.equal(approved.json().status, 'approved');
  t.equal(db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!.committedCents, 1_000_000);
  const rows = db.select().from(invoices).where(eq(invoices.orderId, order.id)).all();
  const buyerInvoice = rows.find((i) => i.party === 'buyer')!;
  const stateClaim = rows.find((i) => i.party === 'state')!;
  t.match(buyerInvoice, { totalCents: 1_096_000, passValueCents: 1_000_000, feeCents: 80_000, vatCents: 16_000, chorusServiceCode: 'SERV-42', engagementNumber: 'EJ-2026-7', dueOn: '2026-12-25' });
  t.match(stateClaim, { totalCents: 1_000_000 });
  t.same([buyerInvoice.number, stateClaim.number].sort(), ['FAC-2026-000001', 'FAC-2026-000002']);
  t.equal(balanceOf(db, `buyer:${world.buyer.id}:receivable`), 1_096_000);
  t.equal(balanceOf(db, `program:${program.id}:receivable`), 1_000_000);
  t.equal(balanceOf(db, 'passes:outstanding'), -2_000_000);
  t.ok(trialBalance(db).balanced);
  const again = await post(operator, `/api/v1/orders/${order.id}/approve`);
  t.equal(again.statusCode, 409, 'approving twice is refused');
  t.equal(db.select().from(journalEntries).all().length, 1);
});

t.test('two concurrent approvals that together exceed the envelope: exactly one succeeds', async (t) => {
  const { buyer, operator, db } = await setup(t);
  const small = createProgram(db, { envelopeCents: 1_500_000 });
  const a = (await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: small.id })).json();
  const b = (await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: small.id })).json();
  t.equal(a.stateShareCents + b.stateShareCents, 2_000_000, 'each quoted 10 000 € while the envelope was untouched');
  const results = await Promise.all([post(operator, `/api/v1/orders/${a.id}/approve`), post(operator, `/api/v1/orders/${b.id}/approve`)]);
  const codes = results.map((r) => r.statusCode).sort();
  t.same(codes, [200, 422]);
  t.equal(results.find((r) => r.statusCode === 422)!.json().code, 'cofinancing_envelope_exhausted');
  const program = db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, small.id)).get()!;
  t.ok(program.committedCents <= program.envelopeCents);
  t.equal(program.committedCents, 1_000_000);
  t.equal(db.select().from(invoices).all().length, 2, 'only the approved order has invoices');
  const refused = results.find((r) => r.statusCode === 422)!;
  void refused;
  t.equal(db.select().from(orders).where(eq(orders.status, 'approved')).all().length, 1, 'the refused approval left its order submitted');
});

t.test('invoice numbers stay gapless and unique under 20 concurrent approvals', async (t) => {
  const { buyer, operator, db } = await setup(t);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await post(buyer, '/api/v1/orders', { ...baseOrder, bookletCount: 1 })).json().id);
  const results = await Promise.all(ids.map((id) => post(operator, `/api/v1/orders/${id}/approve`)));
  t.ok(results.every((r) => r.statusCode === 200));
  const numbers = db.select().from(invoices).all().map((i) => i.number).sort();
  t.same(numbers, Array.from({ length: 20 }, (_, i) => `FAC-2026-${String(i + 1).padStart(6, '0')}`));
});

t.test('payments: partial, then the rest; an overpayment is refused; paying in full funds the order', async (t) => {
  const { buyer, operator, finance, db, program, world } = await setup(t);
  const order = (await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: program.id })).json();
  await post(operator, `/api/v1/orders/${order.id}/approve`);
  const invoice = db.select().from(invoices).where(eq(invoices.party, 'buyer')).get()!;
  const pay = (amountCents: number, reference: string) => post(finance, '/api/v1/payments', { invoiceId: invoice.id, amountCents, receivedOn: '2026-11-25', reference });
  t.equal((await pay(400_000, 'VIR-1')).statusCode, 201);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` })).json().funded, false, 'a partial payment does not fund the order');
  const over = await pay(600_001, 'VIR-2');
  t.equal(over.statusCode, 422);
  t.equal(over.json().code, 'payment_exceeds_balance');
  t.equal(db.select().from(invoices).where(eq(invoices.id, invoice.id)).get()!.paidCents, 400_000, 'the refused payment changed nothing');
  t.equal((await pay(600_000, 'VIR-3')).statusCode, 201);
  const funded = (await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` })).json();
  t.equal(funded.funded, true);
  t.equal(balanceOf(db, `buyer:${world.buyer.id}:receivable`), 0);
  t.equal(balanceOf(db, 'bank'), 1_000_000);
  t.ok(trialBalance(db).balanced);
  t.equal((await post(buyer, '/api/v1/payments', { invoiceId: invoice.id, amountCents: 1, receivedOn: '2026-11-25', reference: 'X' })).statusCode, 403, 'buyers do not record payments');
});

t.test('a mandate number funds a public buyer\'s order without payment', async (t) => {
  const { buyer, operator } = await setup(t);
  const order = (await post(buyer, '/api/v1/orders', baseOrder)).json();
  await post(operator, `/api/v1/orders/${order.id}/approve`);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` })).json().funded, false);
  const res = await post(buyer, `/api/v1/orders/${order.id}/mandate`, { mandateNumber: 'MDT-2026-0042' });
  t.equal(res.statusCode, 200);
  t.equal(res.json().funded, true);
});

t.test('cancellation before approval only', async (t) => {
  const { buyer, operator } = await setup(t);
  const a = (await post(buyer, '/api/v1/orders', baseOrder)).json();
  t.equal((await post(buyer, `/api/v1/orders/${a.id}/cancel`)).json().status, 'cancelled');
  t.equal((await post(operator, `/api/v1/orders/${a.id}/approve`)).statusCode, 409);
  const b = (await post(buyer, '/api/v1/orders', baseOrder)).json();
  await post(operator, `/api/v1/orders/${b.id}/approve`);
  const late = await post(buyer, `/api/v1/orders/${b.id}/cancel`);
  t.equal(late.statusCode, 409);
  t.equal(late.json().code, 'order_not_cancellable');
});

t.test('another buyer\'s order is a 404; buyers cannot approve', async (t) => {
  const { buyer, app, world } = await setup(t);
  const order = (await post(buyer, '/api/v1/orders', baseOrder)).json();
  const other = await loginAs(app, world.otherBuyerAdmin);
  t.equal((await other.inject({ method: 'GET', url: `/api/v1/orders/${order.id}` })).statusCode, 404);
  t.equal((await post(other, `/api/v1/orders/${order.id}/cancel`)).statusCode, 404);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/approve`)).statusCode, 403);
  const list = (await other.inject({ method: 'GET', url: '/api/v1/orders' })).json();
  t.equal(list.items.length, 0);
});

t.test('Idempotency-Key: a replay returns the first order; another body with the same key is 409', async (t) => {
  const { buyer, db } = await setup(t);
  const first = await post(buyer, '/api/v1/orders', baseOrder, { 'idempotency-key': 'cmd-1' });
  const replay = await post(buyer, '/api/v1/orders', baseOrder, { 'idempotency-key': 'cmd-1' });
  t.equal(replay.statusCode, 201);
  t.equal(replay.json().id, first.json().id);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(db.select().from(orders).all().length, 1);
  const other = await post(buyer, '/api/v1/orders', { ...baseOrder, bookletCount: 3 }, { 'idempotency-key': 'cmd-1' });
  t.equal(other.statusCode, 409);
  t.equal(other.json().code, 'idempotency_key_reused');
});

t.test(`Idempotency-Key: remembered ${IDEMPOTENCY_RETENTION_DAYS} days, then forgotten by the purge`, async (t) => {
  const { app, world, db, clock } = await setup(t);
  const order = async (key: string) => post(await loginAs(app, world.buyerAdmin), '/api/v1/orders', baseOrder, { 'idempotency-key': key });
  t.equal((await order('cmd-ancienne')).statusCode, 201);
  clock.advance((IDEMPOTENCY_RETENTION_DAYS * 24 - 1) * 3600_000);
  t.equal((await order('cmd-recente')).statusCode, 201);
  t.equal(purgeIdempotencyKeys(db, clock.now()), 0, 'nothing is older than the retention yet');
  clock.advance(2 * 3600_000);
  t.equal(purgeIdempotencyKeys(db, clock.now()), 1, 'the first key is past the retention');
  t.same(
    db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).all().map((r) => r.key),
    ['cmd-recente'],
  );
  const again = await order('cmd-ancienne');
  t.equal(again.statusCode, 201);
  t.notOk(again.headers['idempotent-replayed'], 'a forgotten key acts again');
  t.equal(db.select().from(orders).all().length, 3);
});

t.test('the service purges keys past their retention when it starts (then every hour)', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const old = new Date(clock.now().getTime() - (IDEMPOTENCY_RETENTION_DAYS * 24 + 1) * 3600_000).toISOString();
  const key = { actorUserId: 'u', route: 'POST /api/v1/orders', requestHash: 'h', statusCode: 201, responseBody: '{}' };
  db.insert(idempotencyKeys).values([{ ...key, key: 'ancienne', createdAt: old }, { ...key, key: 'du-jour', createdAt: clock.now().toISOString() }]).run();
  await app.ready();
  t.same(
    db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).all().map((r) => r.key),
    ['du-jour'],
  );
});

t.test('invoices list and PDFs: the buyer sees its invoice, not the State claim; CSV available', async (t) => {
  const { buyer, operator, finance, program } = await setup(t);
  const order = (await post(buyer, '/api/v1/orders', { ...baseOrder, cofinancingProgramId: program.id })).json();
  await post(operator, `/api/v1/orders/${order.id}/approve`);
  const mine = (await buyer.inject({ method: 'GET', url: '/api/v1/invoices' })).json();
  t.equal(mine.items.length, 1);
  t.equal(mine.items[0].party, 'buyer');
  const all = (await finance.inject({ method: 'GET', url: `/api/v1/invoices?orderId=${order.id}` })).json();
  t.equal(all.items.length, 2);
  const stateClaim = all.items.find((i: { party: string }) => i.party === 'state');
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/invoices/${stateClaim.id}.pdf` })).statusCode, 404);
  const pdf = await buyer.inject({ method: 'GET', url: `/api/v1/invoices/${mine.items[0].id}.pdf` });
  t.equal(pdf.statusCode, 200);
  t.equal(pdf.headers['content-type'], 'application/pdf');
  t.ok(pdf.rawPayload.subarray(0, 5).toString() === '%PDF-');
  const csv = await finance.inject({ method: 'GET', url: '/api/v1/invoices', headers: { accept: 'text/csv' } });
  t.match(csv.body, /FAC-2026-000001;/);
});
