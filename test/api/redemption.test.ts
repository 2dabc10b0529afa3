import t, { type Test } from 'tap';
import { and, eq } from 'drizzle-orm';
import { loginAs, type Session } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, handOutBooklet } from '../helpers/fixtures.ts';
import { redemptionWorld } from '../helpers/redemption-world.ts';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { journalEntries } from '../../db/schema/ledger.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import { auditLog } from '../../db/schema/accounts.ts';
import { balanceOf, trialBalance, verifyBalances, verifyChain } from '../../server/modules/finance/ledger.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { createPassCodeFactory, formatPassCode } from '../../server/modules/booklets/pass-code.ts';
import { testConfig } from '../helpers/app.ts';

type Options = Partial<Parameters<typeof createApprovedOrder>[2]> & { now?: string; gracePeriodDays?: number };

/** The redemption world (test/helpers/redemption-world.ts) with its three booklets named; `now` and the grace period set when asked. */
async function setup(t: Test, options: Options = {}) {
  const { now, gracePeriodDays, ...order } = options;
  const ctx = await redemptionWorld(t, { app: { now, config: gracePeriodDays === undefined ? {} : { gracePeriodDays } }, order });
  const [first, second, third] = ctx.orderBooklets;
  return { ...ctx, booklets: { first: first!, second: second!, third: third! } };
}

const redeem = (s: Session, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  s.inject({ method: 'POST', url: '/api/v1/redemptions', payload: body, headers });

const passStatus = (ctx: { db: Awaited<ReturnType<typeof setup>>['db'] }, code: string) => ctx.db.select().from(passes).where(eq(passes.code, code)).get()!.status;

t.test('a labelled place redeems a distributed pass: one conditional update, the redemption row, the journal entry', async (t) => {
  const ctx = await setup(t);
  const { agent, codes, place, db } = ctx;
  const outstandingBefore = balanceOf(db, 'passes:outstanding');
  const res = await redeem(agent, { code: formatPassCode(codes[0]!).toLowerCase(), service: 'Maîtrise des outils numériques du quotidien' });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { id: String, code: formatPassCode(codes[0]!), amountCents: 1000, redeemedAt: '2026-11-25T10:00:00.000Z', siteId: place.siteIds[0], service: 'Maîtrise des outils numériques du quotidien', status: 'live' });
  t.equal(passStatus(ctx, codes[0]!), 'redeemed');
  t.equal(db.select().from(booklets).where(eq(booklets.id, ctx.booklets.first.id)).get()!.status, 'started', 'a booklet with one pass used is started');
  const row = db.select().from(redemptions).where(eq(redemptions.id, res.json().id)).get()!;
  t.match(row, { placeId: place.organisation.id, period: '2026-11', amountCents: 1000, status: 'live', batchedAt: null });
  const entry = db.select().from(journalEntries).where(eq(journalEntries.id, row.journalEntryId)).get()!;
  t.match(entry, { kind: 'redemption', refType: 'redemption', refId: row.id, valueDate: '2026-11-25' });
  t.equal(balanceOf(db, 'passes:outstanding') - outstandingBefore, 1000, 'passes:outstanding debited (its credit balance shrinks)');
  t.equal(balanceOf(db, `place:${place.organisation.id}:payable`), -1000, 'the place is owed 10 €');
  t.ok(trialBalance(db).balanced);
  t.ok(verifyBalances(db).ok);
  t.ok(verifyChain(db).ok);
});

t.test('a pass scanned as its QR URL is read like its code', async (t) => {
  const { agent, codes } = await setup(t);
  const res = await redeem(agent, { code: `HTTP://PASS.TEST/P/${codes[1]}` });
  t.equal(res.statusCode, 201);
});

t.test('mistyped and forged codes are refused before any lookup, with 404 pass_not_found', async (t) => {
  const { agent, codes, db } = await setup(t);
  const code = codes[0]!;
  const typo = `${code.slice(0, 5)}${code[5] === 'A' ? 'B' : 'A'}${code.slice(6)}`;
  const mistyped = await redeem(agent, { code: typo });
  t.equal(mistyped.statusCode, 404);
  t.match(mistyped.json(), { code: 'pass_not_found', detail: /mal saisi/ });
  // Signed with another secret: well-formed, right check character, wrong signature.
  const forger = createPassCodeFactory({ secrets: { '1': 'a-completely-different-secret-of-32-chars' }, currentVersion: '1' });
  const forged = await redeem(agent, { code: forger.generate() });
  t.equal(forged.statusCode, 404);
  t.match(forged.json(), { code: 'pass_not_found', detail: /introuvable/ });
  // Authentic but never issued (signed with our secret): the lookup finds nothing.
  const unknown = await redeem(agent, { code: passCodeFactoryFor(testConfig()).generate() });
  t.equal(unknown.statusCode, 404);
  t.same(unknown.json(), forged.json(), 'a forged code and an unknown one look the same');
  const short = await redeem(agent, { code: 'ABC' });
  t.match(short.json(), { code: 'pass_not_found', detail: /20 caractères/ });
  t.equal(db.select().from(redemptions).all().length, 0);
});

t.test('a blocked pass is refused: 422 pass_blocked', async (t) => {
  const ctx = await setup(t);
  ctx.db.update(passes).set({ status: 'blocked' }).where(eq(passes.code, ctx.codes[0]!)).run();
  const res = await redeem(ctx.agent, { code: ctx.codes[0] });
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'pass_blocked', detail: /perdu ou volé/ });
});

t.test('a pass already redeemed: 409 with when, never where', async (t) => {
  const ctx = await setup(t);
  t.equal((await redeem(ctx.agent, { code: ctx.codes[0] })).statusCode, 201);
  ctx.clock.advance(3 * 3600_000);
  const other = await createPlace(ctx.db, { name: 'Médiathèque de Blagnac', sites: [{ communeCode: '31069' }] });
  const res = await redeem(await loginAs(ctx.app, other.agent), { code: ctx.codes[0] });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { code: 'pass_already_redeemed', redeemedAt: '2026-11-25T10:00:00.000Z', detail: /25\/11\/2026 11:00/ });
  t.notMatch(res.body, /Muret|EPN/, 'the first place is not named');
  t.same(Object.keys(res.json()).sort(), ['code', 'detail', 'redeemedAt', 'status', 'title', 'type']);
});

t.test('a pass of a booklet not handed out, or of an unfunded order: 422 pass_not_distributed', async (t) => {
  const ctx = await setup(t);
  const [stillInStock] = ctx.db.select().from(passes).where(eq(passes.bookletId, ctx.booklets.second.id)).all();
  const res = await redeem(ctx.agent, { code: stillInStock!.code });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'pass_not_distributed');

  const unfunded = createApprovedOrder(ctx.db, ctx.clock, { buyer: ctx.world.buyerAdmin, operator: ctx.world.operatorAdmin, bookletCount: 1, passesPerBooklet: 2, territory: null, funded: false });
  const [booklet] = await bookletsOf(ctx.db, unfunded.id);
  const codes = await handOutBooklet(ctx.db, booklet!.id);
  const res2 = await redeem(ctx.agent, { code: codes[0] });
  t.equal(res2.statusCode, 422);
  t.equal(res2.json().code, 'pass_not_distributed', 'handed out, but the funding gate is closed');
});

t.test('validity dates plus grace, in Paris time: last day of grace accepted, the next refused', async (t) => {
  // validUntil 2026-12-31 + 31 days of grace → accepted until 31 January 2027 at midnight, Paris (23:00 UTC in winter).
  const ctx = await setup(t, { validFrom: '2026-12-01', validUntil: '2026-12-31', now: '2026-11-30T22:59:59Z' });
  const early = await redeem(ctx.agent, { code: ctx.codes[0] });
  t.equal(early.statusCode, 422);
  t.match(early.json(), { code: 'pass_not_valid_yet', detail: /1er décembre 2026/ });
  ctx.clock.set('2026-11-30T23:00:00Z'); // 1 December, 00:00 in Paris
  t.equal((await redeem(ctx.agent, { code: ctx.codes[0] })).statusCode, 201, 'first day of validity, Paris time');
  ctx.clock.set('2027-01-31T22:59:59Z'); // 31 January, 23:59:59 in Paris
  // Sessions last 12 hours: log in again after each jump of the clock.
  t.equal((await redeem(await loginAs(ctx.app, ctx.place.agent), { code: ctx.codes[1] })).statusCode, 201, 'last day of grace');
  ctx.clock.set('2027-01-31T23:00:00Z'); // 1 February, 00:00 in Paris
  const late = await redeem(await loginAs(ctx.app, ctx.place.agent), { code: ctx.codes[2] });
  t.equal(late.statusCode, 422);
  t.match(late.json(), { code: 'pass_expired', detail: /31 janvier 2027/ });
});

t.test('the grace period comes from the configuration', async (t) => {
  const ctx = await setup(t, { validUntil: '2026-11-20', gracePeriodDays: 0 });
  const res = await redeem(ctx.agent, { code: ctx.codes[0] });
  t.equal(res.json().code, 'pass_expired');
});

t.test('a place that is not labelled, or suspended, cannot redeem: 422 place_not_labelled', async (t) => {
  const ctx = await setup(t);
  const applied = await createPlace(ctx.db, { status: 'applied', sites: [{ communeCode: '31395' }] });
  const res = await redeem(await loginAs(ctx.app, applied.agent), { code: ctx.codes[0] });
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'place_not_labelled', detail: /pas \(encore\) labellisé/ });

  const operator = await loginAs(ctx.app, ctx.world.operatorAdmin);
  await operator.inject({ method: 'POST', url: `/api/v1/places/${ctx.place.organisation.id}/suspend`, payload: { reason: 'Contrôle en cours' } });
  const suspended = await redeem(ctx.agent, { code: ctx.codes[0] });
  t.equal(suspended.statusCode, 422);
  t.match(suspended.json(), { code: 'place_not_labelled', detail: /suspendu/ });
  await operator.inject({ method: 'POST', url: `/api/v1/places/${ctx.place.organisation.id}/reinstate` });
  t.equal((await redeem(ctx.agent, { code: ctx.codes[0] })).statusCode, 201, 'reinstated, it redeems again');
  t.equal(passStatus(ctx, ctx.codes[1]!), 'active');
});

t.test('a site outside the order’s territory: 422 place_outside_territory', async (t) => {
  const ctx = await setup(t);
  const bordeaux = await createPlace(ctx.db, { name: 'Cap Sciences', sites: [{ communeCode: '33063' }] });
  const res = await redeem(await loginAs(ctx.app, bordeaux.agent), { code: ctx.codes[0] });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'place_outside_territory');
  t.equal(passStatus(ctx, ctx.codes[0]!), 'active', 'nothing changed');
});

t.test('the checks come in the issue’s order', async (t) => {
  const ctx = await setup(t);
  const outsideAndSuspended = await createPlace(ctx.db, { status: 'suspended', sites: [{ communeCode: '33063' }] });
  const s = await loginAs(ctx.app, outsideAndSuspended.agent);
  ctx.db.update(passes).set({ status: 'blocked' }).where(eq(passes.code, ctx.codes[0]!)).run();
  t.equal((await redeem(s, { code: ctx.codes[0] })).json().code, 'pass_blocked', 'blocked before anything about the place');
  t.equal((await redeem(s, { code: ctx.codes[1] })).json().code, 'place_not_labelled', 'the label before the territory');
  await redeem(ctx.agent, { code: ctx.codes[2] });
  ctx.clock.set('2030-01-01T10:00:00Z');
  const later = await loginAs(ctx.app, outsideAndSuspended.agent);
  t.equal((await redeem(later, { code: ctx.codes[2] })).json().code, 'pass_already_redeemed', 'already used before expired');
  t.equal((await redeem(later, { code: ctx.codes[3] })).json().code, 'pass_expired', 'expired before the place checks');
});

t.test('with several sites the place names the one where the service was given', async (t) => {
  const ctx = await setup(t);
  const multi = await createPlace(ctx.db, { sites: [{ communeCode: '31555', name: 'Centre' }, { communeCode: '33063', name: 'Antenne de Bordeaux' }] });
  const s = await loginAs(ctx.app, multi.agent);
  const missing = await redeem(s, { code: ctx.codes[0] });
  t.equal(missing.statusCode, 400);
  t.match(missing.json(), { code: 'site_required', errors: [{ path: 'siteId' }] });
  t.equal((await redeem(s, { code: ctx.codes[0], siteId: multi.siteIds[1] })).json().code, 'place_outside_territory', 'the site decides the territory');
  t.equal((await redeem(s, { code: ctx.codes[0], siteId: ctx.place.siteIds[0] })).json().code, 'site_not_found', 'another place’s site is unknown');
  const ok = await redeem(s, { code: ctx.codes[0], siteId: multi.siteIds[0] });
  t.equal(ok.statusCode, 201);
  t.equal(ok.json().siteName, 'Centre');
});

t.test('only places redeem; the booklet becomes used up with its last pass', async (t) => {
  const ctx = await setup(t);
  for (const user of [ctx.world.buyerAdmin, ctx.world.operatorAdmin, ctx.world.prescriberAdmin]) {
    t.equal((await redeem(await loginAs(ctx.app, user), { code: ctx.codes[0] })).statusCode, 403);
  }
  for (const code of ctx.codes) t.equal((await redeem(ctx.agent, { code })).statusCode, 201);
  t.equal(ctx.db.select().from(booklets).where(eq(booklets.id, ctx.booklets.first.id)).get()!.status, 'used_up');
});

t.test('"Tester un pass": the same verdict as a redemption, nothing written', async (t) => {
  const ctx = await setup(t);
  const check = (code: string) => ctx.agent.inject({ method: 'POST', url: '/api/v1/redemptions/check', payload: { code } });
  const ok = await check(ctx.codes[0]!);
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), { redeemable: true, faceValueCents: 1000, validUntil: '2027-10-31', lastAcceptedDay: '2027-12-01', code: formatPassCode(ctx.codes[0]!) });
  t.equal(passStatus(ctx, ctx.codes[0]!), 'active');
  t.equal(ctx.db.select().from(redemptions).all().length, 0);
  await redeem(ctx.agent, { code: ctx.codes[0] });
  const used = await check(ctx.codes[0]!);
  t.match(used.json(), { redeemable: false, reason: 'pass_already_redeemed', redeemedAt: '2026-11-25T10:00:00.000Z', message: /déjà utilisé/ });
  const unknown = await check(passCodeFactoryFor(testConfig()).generate());
  t.equal(unknown.statusCode, 404);
});

t.test('repeated unknown codes are throttled per user: 429 with Retry-After', async (t) => {
  const ctx = await setup(t);
  const factory = passCodeFactoryFor(testConfig());
  for (let i = 0; i < 20; i++) t.equal((await redeem(ctx.agent, { code: factory.generate() })).statusCode, 404);
  const blocked = await redeem(ctx.agent, { code: ctx.codes[0] });
  t.equal(blocked.statusCode, 429);
  t.equal(blocked.json().code, 'too_many_pass_lookups');
  t.ok(Number(blocked.headers['retry-after']) > 0);
  t.equal((await ctx.agent.inject({ method: 'POST', url: '/api/v1/redemptions/check', payload: { code: ctx.codes[0] } })).statusCode, 429, 'the check shares the count');
  ctx.clock.advance(11 * 60_000);
  t.equal((await redeem(ctx.agent, { code: ctx.codes[0] })).statusCode, 201, 'after the window, valid codes go through');
});

t.test('the same Idempotency-Key replays the first answer instead of redeeming again', async (t) => {
  const ctx = await setup(t);
  const first = await redeem(ctx.agent, { code: ctx.codes[0] }, { 'idempotency-key': 'scan-1' });
  const replay = await redeem(ctx.agent, { code: ctx.codes[0] }, { 'idempotency-key': 'scan-1' });
  t.equal(replay.statusCode, 201);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.same(replay.json(), first.json());
  const reused = await redeem(ctx.agent, { code: ctx.codes[1] }, { 'idempotency-key': 'scan-1' });
  t.equal(reused.statusCode, 409);
  t.equal(reused.json().code, 'idempotency_key_reused');
  t.equal(ctx.db.select().from(redemptions).all().length, 1);
});

t.test('the same place cancels within 24 h: pass active again, journal reversed, booklet back to distributed', async (t) => {
  const ctx = await setup(t);
  const id = (await redeem(ctx.agent, { code: ctx.codes[0] })).json().id;
  const outstanding = balanceOf(ctx.db, 'passes:outstanding');
  const other = await createPlace(ctx.db, { sites: [{ communeCode: '31069' }] });
  const otherSession = await loginAs(ctx.app, other.admin);
  t.equal((await otherSession.inject({ method: 'DELETE', url: `/api/v1/redemptions/${id}` })).statusCode, 404, 'another place cannot');
  t.equal((await otherSession.inject({ method: 'GET', url: `/api/v1/redemptions/${id}` })).statusCode, 404);
  ctx.clock.advance(23 * 3600_000 + 59 * 60_000);
  const agent = await loginAs(ctx.app, ctx.place.agent);
  const cancelled = await agent.inject({ method: 'DELETE', url: `/api/v1/redemptions/${id}` });
  t.equal(cancelled.statusCode, 204);
  t.equal(passStatus(ctx, ctx.codes[0]!), 'active');
  t.equal(ctx.db.select().from(booklets).where(eq(booklets.id, ctx.booklets.first.id)).get()!.status, 'distributed');
  const row = ctx.db.select().from(redemptions).where(eq(redemptions.id, id)).get()!;
  t.match(row, { status: 'cancelled', cancelledAt: String, cancelJournalEntryId: String });
  const reversal = ctx.db.select().from(journalEntries).where(eq(journalEntries.id, row.cancelJournalEntryId!)).get()!;
  t.match(reversal, { kind: 'redemption_cancelled', reversesEntryId: row.journalEntryId });
  t.equal(balanceOf(ctx.db, 'passes:outstanding'), outstanding - 1000, 'the pass is outstanding again');
  t.equal(balanceOf(ctx.db, `place:${ctx.place.organisation.id}:payable`), 0);
  t.ok(trialBalance(ctx.db).balanced);
  t.ok(verifyBalances(ctx.db).ok);
  t.equal(ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'redemption.cancelled'), eq(auditLog.subjectId, id))).all().length, 1);
  const again = await agent.inject({ method: 'DELETE', url: `/api/v1/redemptions/${id}` });
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'redemption_already_cancelled');
  t.equal((await redeem(agent, { code: ctx.codes[0] })).statusCode, 201, 'the pass can be redeemed again: one live redemption per pass, not one row');
});

t.test('after 24 h, or once batched, a redemption can no longer be cancelled', async (t) => {
  const ctx = await setup(t);
  const late = (await redeem(ctx.agent, { code: ctx.codes[0] })).json().id;
  const batched = (await redeem(ctx.agent, { code: ctx.codes[1] })).json().id;
  ctx.db.update(redemptions).set({ batchedAt: '2026-11-25T11:00:00.000Z' }).where(eq(redemptions.id, batched)).run();
  const inBatch = await ctx.agent.inject({ method: 'DELETE', url: `/api/v1/redemptions/${batched}` });
  t.equal(inBatch.statusCode, 409);
  t.equal(inBatch.json().code, 'redemption_in_batch');
  ctx.clock.advance(24 * 3600_000 + 1000);
  const tooLate = await (await loginAs(ctx.app, ctx.place.agent)).inject({ method: 'DELETE', url: `/api/v1/redemptions/${late}` });
  t.equal(tooLate.statusCode, 409);
  t.equal(tooLate.json().code, 'cancellation_period_over');
  t.equal(passStatus(ctx, ctx.codes[0]!), 'redeemed');
});

t.test('lists: a place sees its own redemptions of the month, the operator everyone’s, CSV for spreadsheets', async (t) => {
  const ctx = await setup(t);
  const other = await createPlace(ctx.db, { name: 'Médiathèque de Blagnac', sites: [{ communeCode: '31069' }] });
  const otherSession = await loginAs(ctx.app, other.agent);
  await redeem(ctx.agent, { code: ctx.codes[0] });
  await redeem(ctx.agent, { code: ctx.codes[1] });
  await redeem(otherSession, { code: ctx.codes[2] });
  const mine = (await ctx.agent.inject({ method: 'GET', url: '/api/v1/redemptions?period=2026-11' })).json();
  t.equal(mine.items.length, 2);
  t.ok(mine.items.every((r: { placeId: string }) => r.placeId === ctx.place.organisation.id));
  t.equal((await ctx.agent.inject({ method: 'GET', url: '/api/v1/redemptions?period=2026-10' })).json().items.length, 0);
  const all = (await (await loginAs(ctx.app, ctx.world.operatorFinance)).inject({ method: 'GET', url: '/api/v1/redemptions' })).json();
  t.equal(all.items.length, 3);
  const page = (await ctx.agent.inject({ method: 'GET', url: '/api/v1/redemptions?limit=1' })).json();
  t.equal(page.items.length, 1);
  const next = (await ctx.agent.inject({ method: 'GET', url: `/api/v1/redemptions?limit=1&cursor=${page.nextCursor}` })).json();
  t.equal(next.items.length, 1);
  t.not(next.items[0].id, page.items[0].id);
  const csv = await ctx.agent.inject({ method: 'GET', url: '/api/v1/redemptions?period=2026-11', headers: { accept: 'text/csv' } });
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, /^\uFEFFDate;Pass;Montant \(€\);Lieu;Lieu d’accueil;Service;Statut;Annulé le\r\n/);
  t.match(csv.body, /;10,00;EPN de Muret;/);
  t.equal((await (await loginAs(ctx.app, ctx.world.buyerAdmin)).inject({ method: 'GET', url: '/api/v1/redemptions' })).statusCode, 403);
});
