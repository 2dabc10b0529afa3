import type { OrderInput } from '../../server/modules/orders/orders.schemas.ts';
import { buildTestApp, loginAs, type Session } from './app.ts';
import { createProgram, seedReference, seedWorld } from './fixtures.ts';

type Teardown = Parameters<typeof buildTestApp>[0];

/**
 * The order the order tests start from: 200 booklets of 10 passes at 10 € (20 000 €) for the
 * Haute-Garonne, valid through 2027. Tests spread it and change what they are about.
 */
export const baseOrder: OrderInput = {
  bookletCount: 200,
  passesPerBooklet: 10,
  faceValueCents: 1000,
  validFrom: '2027-01-01',
  validUntil: '2027-12-31',
  publics: null,
  territory: { departements: ['31'] },
};

/** baseOrder open to every territory: the order of the tests where the territory is not the point. */
export const untargetedOrder: OrderInput = { ...baseOrder, territory: null };

/** An order posted by a buyer's session to the API (POST /api/v1/orders). */
export const postOrder = (buyer: Session, payload: Record<string, unknown>) => buyer.inject({ method: 'POST', url: '/api/v1/orders', payload });

/** The fields of a posted order the co-financing tests read. */
export interface PostedOrder {
  id: string;
  reference: string;
  totalCents: number;
  stateShareCents: number;
}

/**
 * The world's buyer posts `order` under a fresh programme (createProgram), buyer and operator
 * logged in. A refused order throws: the tests that start here are about what follows it.
 */
export async function programOrder(t: Teardown, order: Record<string, unknown>) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const res = await postOrder(buyer, { ...order, cofinancingProgramId: program.id });
  if (res.statusCode !== 201) throw new Error(`order refused: ${res.body}`);
  return { ...ctx, world, program, buyer, operator, order: res.json() as PostedOrder };
}
