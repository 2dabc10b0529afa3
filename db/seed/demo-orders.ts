import { actorForEmail } from '../../server/modules/accounts/accounts.service.ts';
import type { Db } from '../client.ts';
import { cofinancingPrograms } from '../schema/programs.ts';
import type { Clock } from '../../server/shared/clock.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import type { PassCodeFactory } from '../../server/modules/booklets/pass-code.ts';
import { approveOrder, recordMandate, submitOrder } from '../../server/modules/orders/orders.service.ts';
import { parisDate, addMonths } from '../../server/shared/paris-time.ts';
import { operatorFeeBasisPoints } from '../../server/shared/settings.repository.ts';

/** The demo account's actor (every demo e-mail exists once the accounts are seeded). */
export function actorFor(db: Db, email: string): Actor {
  return actorForEmail(db, email)!;
}

/**
 * An order of the demo département as its buyer submits it: 200 booklets of 10 passes at 10 €
 * over the whole département with the national co-financing; the orders differ only by dates and
 * the buyer's own references.
 */
export function submitDemoOrder(
  db: Db,
  clock: Clock,
  references: { validFrom: string; months: number; engagementNumber: string; chorusServiceCode?: string; arrangementReference: string },
): { id: string } {
  const program = db.select().from(cofinancingPrograms).get();
  return submitOrder({
    db,
    clock,
    actor: actorFor(db, 'commandes@departement31.demo'),
    feeBasisPoints: operatorFeeBasisPoints(db, { operatorFeeBasisPoints: 0 }),
    input: {
      bookletCount: 200,
      passesPerBooklet: 10,
      faceValueCents: 1000,
      validFrom: references.validFrom,
      validUntil: addMonths(references.validFrom, references.months),
      publics: null,
      territory: { departements: ['31'] },
      cofinancingProgramId: program?.id,
      chorusServiceCode: references.chorusServiceCode,
      engagementNumber: references.engagementNumber,
      // A département pays the operator under a mandate agreement voted before its first order.
      paymentArrangement: { kind: 'mandate_agreement', reference: references.arrangementReference, date: addMonths(references.validFrom, -1) },
    },
  });
}

/**
 * The demo département's first order, through the same use cases a user goes through:
 * 200 booklets of 10 passes at 10 € with the national 50 % co-financing, approved (booklets and
 * passes issued, invoices raised) and funded by a mandate number, as a public buyer may.
 */
export function seedDemoOrders(db: Db, clock: Clock, codes: PassCodeFactory): void {
  const buyer = actorFor(db, 'commandes@departement31.demo');
  const operator = actorFor(db, 'admin@operateur.demo');
  const order = submitDemoOrder(db, clock, {
    validFrom: parisDate(clock.now()),
    months: 12,
    engagementNumber: 'EJ-2026-00317',
    chorusServiceCode: 'DSI-INCLUSION',
    arrangementReference: 'CM-31-2026-012',
  });
  approveOrder({ db, clock, actor: operator, orderId: order.id, codes });
  recordMandate({ db, clock, actor: buyer, orderId: order.id, mandateNumber: 'MDT-2026-0042' });
}
