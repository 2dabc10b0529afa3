/**
 * The chain from an approved order to a reimbursement batch, through the use cases themselves (no
 * HTTP): what the rules decide, on a fresh database (test/helpers/test-db.ts).
 */
import t from 'tap';
import { eq } from 'drizzle-orm';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { lookupPass } from '../../server/modules/booklets/booklets.service.ts';
import { PassLookupThrottle } from '../../server/modules/booklets/pass-lookup-throttle.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { buildBatch } from '../../server/modules/finance/reimbursement.service.ts';
import { trialBalance, verifyBalances, verifyChain } from '../../server/modules/finance/ledger.ts';
import { cancelRedemption, checkPass, redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { testConfig } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';

const codes = passCodeFactoryFor(testConfig());
const GRACE = 31;

async function world(t: Parameters<typeof createTestDb>[0], options: { funded: boolean }) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const place = await createPlace(db, { sites: [{ communeCode: '31555' }] });
  const order = createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, bookletCount: 2, passesPerBooklet: 3, funded: options.funded });
  const [first] = await bookletsOf(db, order.id);
  const codesOfFirst = await handOutBooklet(db, first!.id);
  const agent = actorOf(db, place.agent);
  const lookup = (code: string) =>
    lookupPass({ db, clock, codes, throttle: new PassLookupThrottle(clock), gracePeriodDays: GRACE, who: { userId: agent.userId, ip: '127.0.0.1' }, input: code });
  const redeem = (code: string) => redeemPass({ db, clock, codes, gracePeriodDays: GRACE, actor: agent, code });
  return { db, clock, cast, agent, first: first!, codesOfFirst, lookup, redeem, refusal: refusalOf };
}

t.test('a pass redeems once; cancelled, it redeems again; the journal stays chained and balanced', async (t) => {
  const { db, clock, cast, codesOfFirst, redeem, refusal, agent } = await world(t, { funded: true });
  const [code] = codesOfFirst;
  const first = redeem(code!);
  t.equal(first.amountCents, 1000);
  t.equal(refusal(() => redeem(code!)), 'pass_already_redeemed');
  cancelRedemption({ db, clock, actor: agent, redemptionId: first.id });
  t.equal(db.select().from(passes).where(eq(passes.code, code!)).get()!.status, 'active');
  const again = redeem(code!);
  t.not(again.id, first.id);

  clock.set('2026-12-02T09:00:00Z');
  const { batch } = buildBatch({ db, clock, actor: actorOf(db, cast.operatorFinance), period: '2026-11' });
  t.equal(batch.totalCents, 1000, 'one live redemption in the batch, the cancelled one left out');
  t.equal(trialBalance(db).balanced, true);
  t.equal(verifyBalances(db).ok, true);
  t.match(verifyChain(db), { ok: true });
});

t.test('the lookup, the counter check and the redemption give one verdict, in one order', async (t) => {
  const { db, first, codesOfFirst, lookup, redeem, refusal, clock, agent } = await world(t, { funded: true });
  const [a, b] = codesOfFirst;
  const check = (code: string) => checkPass({ db, clock, codes, gracePeriodDays: GRACE, actor: agent, code });
  t.equal(lookup(a!).redeemable, true);
  t.equal(check(a!).redeemable, true);

  // A booklet declared lost while its passes are still active: blocked everywhere, before any date check.
  db.update(booklets).set({ status: 'blocked' }).where(eq(booklets.id, first.id)).run();
  t.equal(lookup(b!).reason, 'pass_blocked');
  t.match(check(b!), { redeemable: false, reason: 'pass_blocked' });
  t.equal(refusal(() => redeem(b!)), 'pass_blocked');
});

t.test('a booklet of an unfunded order is not usable, whichever way one asks', async (t) => {
  const { db, first, lookup, redeem, refusal, clock, agent } = await world(t, { funded: false });
  const [code] = db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, first.id)).all().map((p) => p.code);
  t.equal(lookup(code!).reason, 'pass_not_distributed');
  t.match(checkPass({ db, clock, codes, gracePeriodDays: GRACE, actor: agent, code: code! }), { redeemable: false, reason: 'pass_not_distributed' });
  t.equal(refusal(() => redeem(code!)), 'pass_not_distributed');
});
