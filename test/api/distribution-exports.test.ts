import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { booklets } from '../../db/schema/booklets.ts';
import { bookletMovements, distributions } from '../../db/schema/distribution.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { get } from '../helpers/api.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines } from '../helpers/lists.ts';

/*
 * The spreadsheets linked from the distribution pages (issue 16: "CSV exports that contain every row
 * matching the filters"): the API's CSV answers hold every row from the cursor on, however many
 * pages of 500 that makes, while its JSON stays paged. Rows are written straight into the tables:
 * 520 hand-outs through the use case would test the use case, not the export.
 */

const ROWS = 520;

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, bookletCount: ROWS + 10, passesPerBooklet: 1 });
  const other = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, funded: true, bookletCount: 3, passesPerBooklet: 1 });
  const handOut = (orderId: string, count: number) => {
    const ids = ctx.db.select({ id: booklets.id }).from(booklets).where(eq(booklets.orderId, orderId)).orderBy(booklets.position).limit(count).all();
    ctx.db.transaction((tx) => {
      for (const [i, b] of ids.entries()) {
        tx.update(booklets).set({ status: 'distributed', holderId: world.prescriber.id }).where(eq(booklets.id, b.id)).run();
        const at = new Date(Date.parse('2026-11-20T09:00:00.000Z') + i * 60_000).toISOString();
        tx.insert(distributions)
          .values({ id: randomUUID(), bookletId: b.id, orderId, buyerId: world.buyer.id, prescriberId: world.prescriber.id, publicCategory: 'demandeurs_emploi', communeCode: '31149', distributedOn: at.slice(0, 10), distributedAt: at })
          .run();
        tx.insert(bookletMovements)
          .values({ kind: 'allotment', orderId, fromOrganisationId: world.buyer.id, toOrganisationId: world.prescriber.id, bookletCount: 1, serialsSummary: `carnet ${i + 1}`, at })
          .run();
      }
    });
  };
  handOut(order.id, ROWS);
  handOut(other.id, 2);
  return { ...ctx, world, order };
}

t.test('the distributions CSV holds every hand-out matching the filters, over more than one page of 500', async (t) => {
  const ctx = await setup(t);
  const buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  const json = (await get(buyer, `/api/v1/distributions?orderId=${ctx.order.id}&limit=500`)).json();
  t.equal(json.items.length, 500, 'JSON stays one page');
  t.ok(json.nextCursor, 'with a cursor to the next one');

  const csv = await get(buyer, `/api/v1/distributions?orderId=${ctx.order.id}&format=csv`);
  t.equal(csv.statusCode, 200);
  const lines = csvDataLines(csv.body);
  t.equal(lines.length, ROWS, 'every hand-out of the order, not 500');
  t.equal(new Set(lines).size, ROWS, 'each once');
  t.ok(lines.every((l) => !l.includes('Colomiers')), 'the buyer’s CSV still has no beneficiary commune');
  t.equal(csvDataLines((await get(buyer, `/api/v1/distributions?orderId=${ctx.order.id}&limit=2&format=csv`)).body).length, ROWS, 'the JSON page size does not cut the export');
  t.equal(csvDataLines((await get(buyer, '/api/v1/distributions?format=csv')).body).length, ROWS + 2, 'without the filter, both orders');
  t.equal(csvDataLines((await get(buyer, `/api/v1/distributions?orderId=${ctx.order.id}&from=2026-11-21&format=csv`)).body).length, 0, 'a date filter is followed');

  const prescriber = await loginAs(ctx.app, ctx.world.prescriberAdmin);
  t.equal(csvDataLines((await get(prescriber, '/api/v1/distributions?format=csv')).body).length, ROWS + 2, 'the prescriber’s own hand-outs, all of them');
  const other = await loginAs(ctx.app, ctx.world.otherBuyerAdmin);
  t.equal((await get(other, `/api/v1/distributions?orderId=${ctx.order.id}&format=csv`)).statusCode, 404, 'another buyer gets nothing');
});

t.test('the movements and stock CSVs hold every row too', async (t) => {
  const ctx = await setup(t);
  const buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  t.equal((await get(buyer, `/api/v1/booklet-movements?orderId=${ctx.order.id}&limit=500`)).json().items.length, 500, 'JSON stays one page');
  const movements = csvDataLines((await get(buyer, `/api/v1/booklet-movements?orderId=${ctx.order.id}&format=csv`)).body);
  t.equal(movements.filter((l) => l.includes('carnet ')).length, ROWS, 'every movement of the order');

  // Stock is what is not handed out yet: an order of 505 booklets, all in the buyer's stock.
  const big = createApprovedOrder(ctx.db, ctx.clock, { buyer: ctx.world.buyerAdmin, operator: ctx.world.operatorAdmin, funded: true, bookletCount: 505, passesPerBooklet: 1 });
  const stock = await get(buyer, `/api/v1/stock?orderId=${big.id}&format=csv`);
  t.equal(stock.statusCode, 200);
  t.equal(csvDataLines(stock.body).length, 505, 'the whole stock of the order');
  t.equal((await get(buyer, `/api/v1/stock?orderId=${big.id}&limit=500`)).json().items.length, 500, 'JSON stays one page');
});

t.test('the distribution pages link to the whole export, not to a page of 500', async (t) => {
  const ctx = await setup(t);
  const buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  for (const url of ['/distribution', `/distribution/commandes/${ctx.order.id}`]) {
    const page = await get(buyer, url);
    t.equal(page.statusCode, 200, url);
    t.notMatch(page.body, 'limit=500', `${url}: no link stops at 500`);
    t.match(page.body, /\/api\/v1\/distributions\?[^"]*format=csv/, `${url}: links the distributions CSV`);
  }
});
