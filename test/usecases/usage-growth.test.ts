/**
 * The usage dashboard's masking holds across exports only for tables whose cells never fall from
 * one settled month to the next (server/shared/cumulative-publication.ts, point 3). This drives the
 * real use cases — hand-outs and redemptions on random days — and checks every masked table of
 * every month against the month before. "Booklets not started to this day" (by prescriber, and as a
 * band of the time to first use) fell as soon as a sleeping booklet was used: these tests failed on
 * it. The dormant verdict (no use within DORMANT_AFTER_DAYS of hand-out) and the bands of started
 * booklets only grow.
 */
import t from 'tap';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { passes } from '../../db/schema/booklets.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { allotBooklets, designatePrescriber } from '../../server/modules/distribution/distribution.core.ts';
import { distributeBooklet } from '../../server/modules/distribution/distribution.handouts.ts';
import { DORMANT_AFTER_DAYS, MASKED_TABLES, usageFacts } from '../../server/modules/oversight/usage.facts.ts';
import { settledMonth } from '../../server/modules/oversight/usage.snapshot.ts';
import { updateSite } from '../../server/modules/places/places.service.ts';
import { redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { addDays, addMonths } from '../../server/shared/paris-time.ts';
import { testConfig } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, createPlace, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb } from '../helpers/test-db.ts';

const GRACE = 31;
const codes = passCodeFactoryFor(testConfig());
const FIRST_DAY = '2026-11-25';

/** Noon in Paris on a day (a winter or summer day alike: 10:00 or 11:00 UTC is noon or 13:00). */
const noonOf = (day: string) => new Date(`${day}T11:00:00Z`);

interface BookletPlan {
  /** Days after FIRST_DAY the booklet is handed out. */
  handOutAfter: number;
  /** For each of its passes, days after hand-out it is used, or null. */
  usesAfter: (number | null)[];
}

/** An order whose booklets are handed out and used as planned, each step at its day; the facts of each month after. */
async function runPlan(t: Parameters<typeof createTestDb>[0], plan: readonly BookletPlan[], siteMovesAfter?: number) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: cast.buyerAdmin, operator: cast.operatorAdmin, funded: true, bookletCount: plan.length, passesPerBooklet: 2, validFrom: '2026-11-01', validUntil: '2027-12-31' });
  const buyer = actorOf(db, cast.buyerAdmin);
  const prescriber = actorOf(db, cast.prescriberAdmin);
  const place = await createPlace(db, { sites: [{ communeCode: '31395' }] });
  const agent = actorOf(db, place.agent);
  designatePrescriber({ db, clock, actor: buyer, orderId: order.id, prescriberId: cast.prescriber.id });
  const booklets = await bookletsOf(db, order.id);
  allotBooklets({ db, clock, actor: buyer, input: { orderId: order.id, prescriberId: cast.prescriber.id, bookletSerials: booklets.map((b) => b.serial) } });

  const events: { day: string; run: () => void }[] = [];
  plan.forEach((b, i) => {
    const booklet = booklets[i]!;
    const handOutDay = addDays(FIRST_DAY, b.handOutAfter);
    events.push({ day: handOutDay, run: () => distributeBooklet({ db, clock, actor: prescriber, input: { bookletSerial: booklet.serial, publicCategory: 'demandeurs_emploi', communeCode: '31149' } }) });
    const passCodes = db.select({ code: passes.code }).from(passes).where(eq(passes.bookletId, booklet.id)).orderBy(passes.position).all();
    b.usesAfter.forEach((after, p) => {
      if (after !== null) events.push({ day: addDays(handOutDay, after), run: () => redeemPass({ db, clock, codes, gracePeriodDays: GRACE, actor: agent, code: passCodes[p]!.code }) });
    });
  });
  // The place's only site moves from Muret to Colomiers (the place edits its address).
  if (siteMovesAfter !== undefined) {
    const placeAdmin = actorOf(db, place.admin);
    events.push({ day: addDays(FIRST_DAY, siteMovesAfter), run: () => updateSite({ db, clock, actor: placeAdmin, placeId: place.organisation.id, siteId: place.siteIds[0]!, input: { communeCode: '31149' } }) });
  }
  // Hand-outs before uses of the same day (a stable sort keeps each booklet's hand-out first).
  events.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  // Each month's facts are taken when it becomes settled, as a publication would be, before what
  // follows (a site moving later must not change what was counted then).
  const asOf = (month: string) => usageFacts({ db, clock, gracePeriodDays: GRACE, scope: { orderId: order.id, untilMonth: month } });
  const published = new Map<string, ReturnType<typeof usageFacts>>();
  let month = '2026-11';
  const publishSettled = () => {
    while (month <= settledMonth(clock.now())) {
      published.set(month, asOf(month));
      month = addMonths(`${month}-01`, 1).slice(0, 7);
    }
  };
  for (const event of events) {
    clock.set(noonOf(event.day));
    publishSettled();
    event.run();
  }
  const lastDay = events.at(-1)?.day ?? FIRST_DAY;
  clock.set(noonOf(addDays(lastDay, DORMANT_AFTER_DAYS + 40)));
  publishSettled();
  const months = [...published.keys()];
  return { months, asOf: (m: string) => published.get(m)!, live: () => usageFacts({ db, clock, gracePeriodDays: GRACE, scope: { orderId: order.id } }) };
}

/** Every cell of every masked table that fell from one month's facts to the next. */
function fallingCells(months: readonly string[], asOf: (month: string) => ReturnType<typeof usageFacts>): string[] {
  const falls: string[] = [];
  let previous: ReturnType<typeof usageFacts> | undefined;
  for (const month of months) {
    const facts = asOf(month);
    if (previous) {
      for (const table of MASKED_TABLES) {
        for (const [key, before] of Object.entries(previous.tables[table].counts)) {
          const after = facts.tables[table].counts[key] ?? 0;
          if (after < before) falls.push(`${table} ${key}: ${before} → ${after} in ${month}`);
        }
      }
    }
    previous = facts;
  }
  return falls;
}

t.test('a booklet left sleeping, then used months later, stays dormant: no masked table falls', async (t) => {
  const { months, asOf, live } = await runPlan(t, [
    { handOutAfter: 0, usesAfter: [null, null] }, // never used
    { handOutAfter: 0, usesAfter: [75, null] }, // sleeps, then used in February
    { handOutAfter: 0, usesAfter: [3, 40] }, // started at once
    { handOutAfter: 20, usesAfter: [25, null] }, // used within its 30 days, across a month end
  ]);
  t.same(fallingCells(months, asOf), [], 'every cell of every masked table only grows');

  const november = asOf('2026-11');
  t.equal(Object.values(november.tables.prescriberDormant.counts).reduce((a, b) => a + b, 0), 0, 'end of November: no booklet has had its 30 days yet');
  const [december, january, february] = ['2026-12', '2027-01', '2027-02'].map(asOf);
  const dormant = (f: typeof november) => Object.values(f.tables.prescriberDormant.counts)[0];
  t.equal(dormant(december!), 2, 'end of December: the two booklets unused 30 days after 25 November are dormant');
  t.equal(dormant(january!), 2, 'the one handed out on 15 December and used on 9 January, within its 30 days, never was');
  t.equal(dormant(february!), 2, 'used on 8 February, 75 days after hand-out: still dormant');
  t.same(february!.tables.firstUseStarted.counts, { within_7_days: 1, within_30_days: 1, within_90_days: 1, later: 0 }, 'started booklets by time to first use; the one never used is in no band');
  t.same(live().tables.firstUseStarted.counts, february!.tables.firstUseStarted.counts, 'the live figures agree once everything is settled');
});

t.test('a site that moves to another commune keeps its past uses where they happened', async (t) => {
  const { months, asOf } = await runPlan(t, [{ handOutAfter: 0, usesAfter: [2, 50] }], 20);
  t.same(fallingCells(months, asOf), [], 'the Muret row does not fall when the site moves to Colomiers');
  const where = Object.fromEntries(Object.entries(asOf(months.at(-1)!).tables.place.counts).map(([key, n]) => [key.split(':')[1], n]));
  t.same(where, { '31395': 1, '31149': 1 }, 'the use before the move stays in Muret, the one after is in Colomiers');
});

t.test('over random hand-outs, uses and a site move, no cell of a masked table ever falls from one settled month to the next', async (t) => {
  const booklet = fc.record({
    handOutAfter: fc.integer({ min: 0, max: 120 }),
    usesAfter: fc.array(fc.option(fc.integer({ min: 0, max: 150 }), { nil: null }), { minLength: 2, maxLength: 2 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(booklet, { minLength: 1, maxLength: 6 }), fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }), async (plan, siteMovesAfter) => {
      const closers: (() => void)[] = [];
      try {
        const { months, asOf } = await runPlan({ teardown: (fn) => closers.push(fn) }, plan, siteMovesAfter);
        const falls = fallingCells(months, asOf);
        if (falls.length > 0) t.comment(falls.join('\n'));
        return falls.length === 0;
      } finally {
        for (const close of closers) close();
      }
    }),
    { numRuns: 25 },
  );
  t.pass('25 random plans, every masked table growing month after month');
});
