import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { passes } from '../../db/schema/booklets.ts';
import { journalEntries } from '../../db/schema/ledger.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import { balanceOf, trialBalance, verifyBalances, verifyChain } from '../../server/modules/finance/ledger.ts';

t.test('100 concurrent redemptions of one code from two places: exactly one succeeds, 99 get 409 with the date only', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 5, territory: { departements: ['31'] }, funded: true });
  const [booklet] = await bookletsOf(db, order.id);
  const [code] = await handOutBooklet(db, booklet!.id);
  const muret = await createPlace(db, { name: 'EPN de Muret', sites: [{ communeCode: '31395' }] });
  const blagnac = await createPlace(db, { name: 'Médiathèque de Blagnac', sites: [{ communeCode: '31069' }] });
  const sessions = [await loginAs(app, muret.agent), await loginAs(app, blagnac.agent)];
  const outstanding = balanceOf(db, 'passes:outstanding');

  const responses = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      sessions[i % 2]!.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: i % 3 === 0 ? code!.toLowerCase() : code } }),
    ),
  );
  const statuses = responses.map((r) => r.statusCode);
  t.equal(statuses.filter((s) => s === 201).length, 1, 'exactly one success');
  t.equal(statuses.filter((s) => s === 409).length, 99, 'every other attempt is a conflict');
  const winner = responses.find((r) => r.statusCode === 201)!.json();
  for (const loser of responses.filter((r) => r.statusCode === 409)) {
    const body = loser.json();
    t.equal(body.code, 'pass_already_redeemed');
    t.equal(body.redeemedAt, winner.redeemedAt, 'the date of the one that won');
    t.notMatch(loser.body, /Muret|Blagnac/, 'never the place');
  }

  t.equal(db.select().from(redemptions).all().length, 1, 'one redemption row');
  t.equal(db.select().from(passes).where(eq(passes.code, code!)).get()!.status, 'redeemed');
  t.equal(db.select().from(journalEntries).where(eq(journalEntries.kind, 'redemption')).all().length, 1, 'one journal entry');
  t.equal(balanceOf(db, 'passes:outstanding') - outstanding, 1000, 'the face value left passes:outstanding once');
  const payables = balanceOf(db, `place:${muret.organisation.id}:payable`) + balanceOf(db, `place:${blagnac.organisation.id}:payable`);
  t.equal(payables, -1000, 'and is owed to one place only');
  t.ok(trialBalance(db).balanced, 'the trial balance sums to zero');
  t.ok(verifyBalances(db).ok, 'running totals equal the lines');
  t.ok(verifyChain(db).ok, 'the hash chain holds');
});

t.test('concurrent redemptions of different passes all succeed and the journal balances', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 4, passesPerBooklet: 10, territory: null, funded: true });
  const codes: string[] = [];
  for (const booklet of await bookletsOf(db, order.id)) codes.push(...(await handOutBooklet(db, booklet.id)));
  const place = await createPlace(db);
  const s = await loginAs(app, place.agent);
  const responses = await Promise.all(codes.map((code) => s.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code } })));
  t.same([...new Set(responses.map((r) => r.statusCode))], [201]);
  t.equal(balanceOf(db, `place:${place.organisation.id}:payable`), -40 * 1000);
  t.ok(trialBalance(db).balanced);
  t.ok(verifyBalances(db).ok);
});
