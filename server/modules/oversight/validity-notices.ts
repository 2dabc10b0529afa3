import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { countOf } from '../../shared/plural.ts';
import { notifyValidityStep } from '../notifications/lifecycle-notices.ts';
import { ordersForValidityNotice } from '../notifications/notices.repository.ts';
import { ALERT_DAYS_BEFORE, endOfValidityCalendar } from './end-of-validity.rules.ts';

/**
 * End of validity, told ahead: at J-30 an alert, at J-15 the notice to stop distributing, to the
 * buyer and the prescribers designated on the order. A daily task looks for orders inside each
 * window that have not had the message yet, so each order gets each notice once, late rather than
 * never when the service was down on the day. One transaction per order.
 *
 * Which notice an order is due today, by the end-of-validity calendar (one rule, the oversight
 * module's): from J-15 the stop notice, from J-30 the alert. An order already at J-15 gets the stop
 * notice, not a stale alert.
 */
export function validityNoticeDue(today: string, validUntil: string): 'validity_alert' | 'validity_stop' | null {
  if (today >= validUntil) return null;
  const calendar = endOfValidityCalendar(validUntil, 0);
  if (today >= calendar.blockingFrom) return 'validity_stop';
  if (today >= calendar.alertOn) return 'validity_alert';
  return null;
}

export function sendValidityNotices({ db, clock }: { db: Db; clock: Clock }): { orders: number; messages: number } {
  const today = parisDate(clock.now());
  let orderCount = 0;
  let messages = 0;
  for (const template of ['validity_alert', 'validity_stop'] as const) {
    // Candidates: orders ending within the alert's window (the widest); the calendar says which notice is due.
    for (const order of ordersForValidityNotice(db, { today, lastDay: addDays(today, ALERT_DAYS_BEFORE), template })) {
      if (validityNoticeDue(today, order.validUntil) !== template) continue;
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
