import fp from 'fastify-plugin';
import { notificationsApi } from './notifications.api.ts';
import { notificationsPages } from './notifications.pages.ts';
import { OutboxSender, type DeliveryReport } from './outbox-sender.ts';
import { countOf } from '../../shared/plural.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Delivers the outbox after commit (see outbox-sender.ts); tests call `app.outbox.deliverDue()`. */
    outbox: OutboxSender;
  }
}

function describeRound(report: DeliveryReport): string {
  return `${countOf(report.sent, 'courriel envoyé', 'courriels envoyés')}, ${countOf(report.retried, 'nouvel essai prévu', 'nouveaux essais prévus')}, ${countOf(report.failed, 'échec définitif', 'échecs définitifs')}`;
}

/**
 * Notifications: the outbox sender (registered before the areas, which attach documents to their
 * messages and schedule their own notices), started once the app is ready (messages a crash left behind go
 * first) and stopped with it, and the operator's "Courriels envoyés" as API and pages. Wrapped with
 * fastify-plugin so `app.outbox` is visible to every module.
 */
export const notificationsModule = fp(
  async (app) => {
    const sender = new OutboxSender({
      db: app.db,
      clock: app.clock,
      config: app.config,
      onError: (message, row) => app.log.warn({ messageId: row.id, template: row.template, attempt: row.attempts + 1, error: message }, 'courriel non remis'),
    });
    app.decorate('outbox', sender);
    // Retries come due while nothing is committed: the scheduler runs a round every minute, once
    // across the processes sharing the database. mailPollIntervalMs 0 (the tests) leaves the sender to its caller.
    app.scheduler.register({ name: 'outbox', cron: '* * * * *', run: async () => describeRound(await sender.deliverDue()) });
    if (app.config.mailPollIntervalMs !== 0) app.addHook('onReady', async () => sender.start(app.config.mailPollIntervalMs));
    app.addHook('onClose', async () => sender.stop());
    await app.register(notificationsApi, { prefix: '/api/v1' });
    await app.register(notificationsPages);
  },
  { name: 'notifications' },
);
