import type { Test } from 'tap';
import { eq } from 'drizzle-orm';
import { invoices } from '../../db/schema/orders.ts';
import { payouts } from '../../db/schema/reimbursement.ts';
import { buildTestApp, loginAs, type Session } from './app.ts';
import { bookletsOf, createApprovedOrder, createPlace, createProgram, createUser, handOutBooklet, seedReference, seedWorld } from './fixtures.ts';

export const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
export const importFile = (s: Session, type: 'application/xml' | 'text/plain', body: string) =>
  s.inject({ method: 'POST', url: '/api/v1/bank-statements', headers: { 'content-type': type }, payload: body });

/**
 * October: a funded order whose passes two places redeemed (batch built by finance, approved by the
 * treasurer: RB-2026-000001 and …000002), and a second co-financed order still waiting for its
 * buyer's transfer and the State's.
 */
export async function november(t: Test) {
  const ctx = await buildTestApp(t, { now: '2026-10-05T08:00:00Z' });
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db);
  const funded = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 5, validFrom: '2026-10-01', funded: true });
  const codes = await handOutBooklet(ctx.db, (await bookletsOf(ctx.db, funded.id))[0]!.id);
  const epn = await createPlace(ctx.db, { name: 'EPN' });
  const bib = await createPlace(ctx.db, { name: 'Médiathèque' });
  const epnAgent = await loginAs(ctx.app, epn.agent);
  const bibAgent = await loginAs(ctx.app, bib.agent);
  for (const code of codes.slice(0, 3)) t.equal((await post(epnAgent, '/api/v1/redemptions', { code })).statusCode, 201);
  for (const code of codes.slice(3, 5)) t.equal((await post(bibAgent, '/api/v1/redemptions', { code })).statusCode, 201);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const waiting = (
    await post(buyer, '/api/v1/orders', { bookletCount: 2, passesPerBooklet: 5, faceValueCents: 1000, validFrom: '2026-10-01', validUntil: '2027-09-30', publics: null, territory: null, cofinancingProgramId: program.id })
  ).json();
  t.equal((await post(operator, `/api/v1/orders/${waiting.id}/approve`)).statusCode, 200);
  ctx.clock.set('2026-11-03T09:00:00Z');
  const finance = await loginAs(ctx.app, world.operatorFinance);
  const treasury = await loginAs(ctx.app, await createUser(ctx.db, world.operator, { role: 'finance' }));
  const batch = (await post(finance, '/api/v1/reimbursement-batches', { period: '2026-10' })).json();
  t.equal((await post(treasury, `/api/v1/reimbursement-batches/${batch.id}/approve`)).statusCode, 200);
  ctx.clock.set('2026-11-20T09:00:00Z');
  const financeLater = await loginAs(ctx.app, world.operatorFinance);
  const invoicesOf = ctx.db.select().from(invoices).where(eq(invoices.orderId, waiting.id)).all();
  const buyerInvoice = invoicesOf.find((i) => i.party === 'buyer')!;
  const stateInvoice = invoicesOf.find((i) => i.party === 'state')!;
  const payoutOf = (name: string) => ctx.db.select().from(payouts).all().find((p) => p.placeId === (name === 'EPN' ? epn : bib).organisation.id)!;
  return { ...ctx, world, finance: financeLater, waiting, buyerInvoice, stateInvoice, batch, epnPayout: payoutOf('EPN'), bibPayout: payoutOf('Médiathèque') };
}

export const iban = (ctx: { config: { operatorAccount: { iban: string } } }) => ctx.config.operatorAccount.iban;

