import t from 'tap';
import { execFileSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { approveBatch, buildBatch, markBatchPaid, rejectPayout } from '../../server/modules/finance/reimbursement.service.ts';
import { redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { buildTestApp, loginAs, testConfig } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, createPlace, createUser, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';

const codes = passCodeFactoryFor(testConfig());
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');

/**
 * Place A: 3 passes in January paid on 5 February; 2 passes in March paid on 6 April then returned
 * by the bank, batched again with April and paid on 7 May. Place B: 1 pass in January.
 */
async function yearOfPayments(t: Parameters<typeof buildTestApp>[0]) {
  const ctx = await buildTestApp(t, { now: '2026-01-15T10:00:00.000Z' });
  const { db, clock } = ctx;
  seedReference(db, clock);
  const world = await seedWorld(db);
  const a = await createPlace(db, { name: 'Médiathèque Aragon', sites: [{ communeCode: '31555' }] });
  const b = await createPlace(db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] });
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5, funded: true, validFrom: '2026-01-01', validUntil: '2026-12-31' });
  const passCodes: string[] = [];
  for (const booklet of await bookletsOf(db, order.id)) passCodes.push(...(await handOutBooklet(db, booklet.id)));
  const redeemAt = (place: typeof a, instant: string, code: string) => {
    clock.set(instant);
    redeemPass({ db, clock, codes, gracePeriodDays: 31, actor: actorOf(db, place.agent), code });
  };
  redeemAt(a, '2026-01-15T10:00:00Z', passCodes[0]!);
  redeemAt(a, '2026-01-20T10:00:00Z', passCodes[1]!);
  redeemAt(a, '2026-01-31T22:30:00Z', passCodes[2]!); // 31 January 23:30 in Paris: January's
  redeemAt(b, '2026-01-16T10:00:00Z', passCodes[3]!);
  redeemAt(a, '2026-03-10T10:00:00Z', passCodes[4]!);
  redeemAt(a, '2026-03-11T10:00:00Z', passCodes[5]!);
  const builder = actorOf(db, world.operatorFinance);
  const approver = actorOf(db, await createUser(db, world.operator, { role: 'finance' }));
  const payMonth = (period: string, builtAt: string, paidOn: string) => {
    clock.set(builtAt);
    const { batch } = buildBatch({ db, clock, actor: builder, period });
    approveBatch({ db, clock, actor: approver, batchId: batch.id });
    clock.set(`${paidOn}T15:00:00Z`);
    markBatchPaid({ db, clock, actor: builder, batchId: batch.id, paidOn });
    return batch;
  };
  payMonth('2026-01', '2026-02-02T09:00:00Z', '2026-02-05');
  const march = payMonth('2026-03', '2026-04-02T09:00:00Z', '2026-04-06');
  const returned = db.get<{ id: string; reference: string }>(sql`SELECT id, reference FROM payouts WHERE batch_id = ${march.id} AND place_id = ${a.organisation.id}`)!;
  clock.set('2026-04-09T09:00:00Z');
  rejectPayout({ db, clock, actor: builder, payoutId: returned.id, reason: 'Compte clos' });
  payMonth('2026-04', '2026-05-04T09:00:00Z', '2026-05-07');
  clock.set('2026-06-01T08:00:00Z');
  return { ...ctx, world, a, b, returned };
}

t.test('a place’s yearly attestation shows what the ledger paid it, month by month, without the returned transfer', async (t) => {
  const { app, db, a, b, world, returned } = await yearOfPayments(t);
  const placeUser = await loginAs(app, a.admin);
  const res = await placeUser.inject({ method: 'GET', url: `/api/v1/places/${a.organisation.id}/attestations/2026.pdf` });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/pdf');
  t.match(res.headers['content-disposition'], /attestation-remboursements-2026-Mediatheque-Aragon\.pdf/);
  const text = pdfText(res.rawPayload);

  // What the ledger says: the place's payouts still paid, by the day the bank executed them.
  const paid = db.all<{ month: string; n: number; cents: number }>(sql`
    SELECT substr(paid_on, 1, 7) AS month, sum(line_count) AS n, sum(amount_cents) AS cents FROM payouts
    WHERE place_id = ${a.organisation.id} AND status = 'paid' AND paid_on LIKE '2026-%' GROUP BY 1 ORDER BY 1`);
  t.same(paid, [
    { month: '2026-02', n: 3, cents: 3000 },
    { month: '2026-05', n: 2, cents: 2000 },
  ]);
  const journalPaid = db.get<{ cents: number }>(sql`
    SELECT sum(l.credit_cents) AS cents FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id JOIN ledger_accounts acc ON acc.id = l.account_id
    WHERE e.kind = 'batch_paid' AND acc.code = 'bank' AND e.value_date LIKE '2026-%'`)!.cents;
  t.equal(journalPaid, 3000 + 1000 + 2000 + 2000, 'the bank paid four transfers in the journal, one of them returned');

  t.match(text, /Février 2026\s+3\s+30,00\s€/, 'February: the three January passes');
  t.match(text, /Mai 2026\s+2\s+20,00\s€/, 'May: the two March passes, paid again after the return');
  t.match(text, /Avril 2026\s+0\s+0,00\s€/, 'April: the transfer the bank returned is not counted');
  t.match(text, /Janvier 2026\s+0\s+0,00\s€/, 'a month with no payment shows 0');
  t.match(text, /Total 2026\s+5\s+50,00\s€/);
  t.notMatch(text, new RegExp(returned.reference), 'the returned payout is not listed');
  t.match(text, /RB-2026-\d{6} — exécuté le 5 février 2026/);
  t.match(text, /Médiathèque Aragon/);
  t.match(text, /Opérateur/, 'issued by the operator');
  t.match(text, /Signature/);

  const otherPlace = await placeUser.inject({ method: 'GET', url: `/api/v1/places/${b.organisation.id}/attestations/2026.pdf` });
  t.equal(otherPlace.statusCode, 404, 'another place’s attestation is not found');
  t.equal(otherPlace.json().code, 'place_not_found');

  const finance = await loginAs(app, world.operatorFinance);
  const ofB = await finance.inject({ method: 'GET', url: `/api/v1/places/${b.organisation.id}/attestations/2026.pdf` });
  t.equal(ofB.statusCode, 200, 'finance downloads any place’s');
  t.match(pdfText(ofB.rawPayload), /Total 2026\s+1\s+10,00\s€/);
  t.equal((await finance.inject({ method: 'GET', url: `/api/v1/places/${world.buyer.id}/attestations/2026.pdf` })).statusCode, 404, 'a buyer is not a place');
  const future = await finance.inject({ method: 'GET', url: `/api/v1/places/${a.organisation.id}/attestations/2027.pdf` });
  t.equal(future.statusCode, 422);
  t.equal(future.json().code, 'attestation_year_not_started');
  t.equal((await finance.inject({ method: 'GET', url: `/api/v1/places/${a.organisation.id}/attestations/deux.pdf` })).statusCode, 400);
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/places/${a.organisation.id}/attestations/2026.pdf` })).statusCode, 403);
});

t.test('the place downloads its attestation from its pages, finance from its own page', async (t) => {
  const { app, a, world } = await yearOfPayments(t);
  const placeUser = await loginAs(app, a.admin);
  const mine = await placeUser.inject({ method: 'GET', url: '/mon-lieu' });
  t.match(mine.body, /href="\/releves#attestation"/);
  const statements = await placeUser.inject({ method: 'GET', url: '/releves' });
  t.match(statements.body, /action="\/mon-lieu\/attestation"/);
  t.match(statements.body, /<option value="2026"/);
  const pdf = await placeUser.inject({ method: 'GET', url: '/mon-lieu/attestation?annee=2026' });
  t.equal(pdf.statusCode, 200);
  t.match(pdfText(pdf.rawPayload), /Total 2026\s+5\s+50,00\s€/);
  t.equal((await placeUser.inject({ method: 'GET', url: '/mon-lieu/attestation?annee=x' })).statusCode, 400);

  const finance = await loginAs(app, world.operatorFinance);
  const page = await finance.inject({ method: 'GET', url: '/finances/attestations' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /Médiathèque Aragon/);
  const missing = await finance.inject({ method: 'GET', url: '/finances/attestations?lieu=&annee=2026' });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, /Choisissez le lieu/);
  t.match(missing.body, /<option value="2026" selected>/, 'the chosen year is kept');
  const ofA = await finance.inject({ method: 'GET', url: `/finances/attestations?lieu=${a.organisation.id}&annee=2026` });
  t.equal(ofA.statusCode, 200);
  t.equal(ofA.headers['content-type'], 'application/pdf');
});
