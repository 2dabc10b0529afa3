import type { OrderInput } from '../../server/modules/orders/orders.schemas.ts';

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
