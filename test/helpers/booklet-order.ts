import type { Test } from 'tap';
import { programOrder } from './orders.ts';

export const BOOKLETS = 12;
export const PER_BOOKLET = 10;

/** The booklet and pass tests' order: 12 booklets of 10 passes at 10 € for the seniors of the Haute-Garonne, valid through 2027. */
const bookletOrder = {
  bookletCount: BOOKLETS,
  passesPerBooklet: PER_BOOKLET,
  faceValueCents: 1000,
  validFrom: '2027-01-01',
  validUntil: '2027-12-31',
  publics: ['seniors_60_plus'],
  territory: { departements: ['31'] },
};

/** That order posted under a programme (programOrder), not yet approved; `orderOverrides` change its fields. */
export const bookletOrderWorld = (t: Test, orderOverrides: Record<string, unknown> = {}) => programOrder(t, { ...bookletOrder, ...orderOverrides });

/** The same, approved by the operator: its booklets and passes issued. */
export async function approvedBookletOrder(t: Test, orderOverrides: Record<string, unknown> = {}) {
  const ctx = await bookletOrderWorld(t, orderOverrides);
  const res = await ctx.operator.inject({ method: 'POST', url: `/api/v1/orders/${ctx.order.id}/approve` });
  if (res.statusCode !== 200) throw new Error(`approval refused: ${res.body}`);
  return ctx;
}
