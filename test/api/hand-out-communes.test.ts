import t from 'tap';
import { eq } from 'drizzle-orm';
import { booklets } from '../../db/schema/booklets.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { bookletsOf, createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';

t.test('communes offered for a hand-out are those of the booklet’s territory', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 2, funded: true, territory: { departements: ['31'] } });
  const [held, other] = await bookletsOf(db, order.id);
  db.update(booklets).set({ status: 'allotted', holderId: world.prescriber.id }).where(eq(booklets.id, held!.id)).run();
  const prescriber = await loginAs(app, world.prescriberAdmin);
  const names = async (query: string) =>
    ((await prescriber.inject({ method: 'GET', url: `/api/v1/distributions/communes?${query}` })).json().items as { name: string; departement: string }[]);

  const national = await names('q=Colombes');
  t.ok(national.some((c) => c.name === 'Colombes'), 'without a booklet the search is national');
  t.same(await names(`q=Colombes&bookletSerial=${held!.serial}`), [], 'a Haute-Garonne booklet is not offered Colombes');
  const toulouse = await names(`q=toul&bookletSerial=${held!.serial.toLowerCase()}`);
  t.ok(toulouse.length > 0 && toulouse.every((c) => c.departement === '31'), 'its own communes are, whatever the case of the serial');
  t.ok((await names(`q=Colombes&bookletSerial=${other!.serial}`)).some((c) => c.name === 'Colombes'), 'a booklet the prescriber does not hold changes nothing: its territory is not theirs to read');

  const page = await prescriber.inject({ method: 'POST', url: '/distribuer', payload: { action: 'rechercher', bookletSerial: held!.serial, communeQuery: 'Colombes', _csrf: prescriber.csrfToken } });
  t.match(page.body, /Aucune commune du territoire de ce carnet ne correspond à « Colombes »/, 'the search step without JavaScript applies the same limit, and says so');
});
