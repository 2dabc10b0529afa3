import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { countOf } from '../../shared/plural.ts';
import { notifyValidityStep } from './lifecycle-notices.ts';
import { ordersForValidityNotice } from './notices.repository.ts';

/**
 * End of validity, told ahead: at J-30 an alert, at J-15 the notice to stop distributing, to the
 * buyer and the prescribers designated on the order. A daily task looks for orders inside each
 * window that have not had the message yet, so each order gets each notice once, late rather than
 * never when the service was down on the day. One transaction per order.
 */
const STEPS = [
  { template: 'validity_alert', daysAhead: 30 },
  { template: 'validity_stop', daysAhead: 15 },
] as const;

export function sendValidityNotices({ db, clock }: { db: Db; clock: Clock }): { orders: number; messages: number } {
  const today = parisDate(clock.now());
  let orderCount = 0;
  let messages = 0;
  for (const { template, daysAhead } of STEPS) {
    // J-15 comes inside the J-30 window: an order already at J-15 gets the stop notice, not a stale alert.
    const lastDay = addDays(today, daysAhead);
    const firstDay = template === 'validity_alert' ? addDays(today, 15) : today;
    for (const order of ordersForValidityNotice(db, { today: firstDay, lastDay, template })) {
      const daysLeft = Math.round((Date.parse(order.validUntil) - Date.parse(today)) / 86_400_000);
      messages += db.transaction((tx) => notifyValidityStep({ tx, clock, orderId: order.id, template, daysLeft }), { behavior: 'immediate' });
      orderCount++;
    }
  }
  return { orders: orderCount, messages };
}

export function registerValidityNotices(app: FastifyInstance): void {
  app.scheduler.register({
    name: 'validity-notices',
    cron: '0 7 * * *',
    run: () => {
      const { orders, messages } = sendValidityNotices({ db: app.db, clock: app.clock });
      return `${countOf(orders, 'commande')} en approche de fin de validité, ${countOf(messages, 'courriel')} mis en file`;
    },
  });
}
