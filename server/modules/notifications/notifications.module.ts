import fp from 'fastify-plugin';
import { notificationsApi } from './notifications.api.ts';
import { notificationsPages } from './notifications.pages.ts';
import { OutboxSender, type AttachmentBuilder } from './outbox-sender.ts';
import { statementFor } from '../finance/statements.ts';
import { renderStatementPdf } from '../../../templates/pdf/statement.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Delivers the outbox after commit (see outbox-sender.ts); tests call `app.outbox.deliverDue()`. */
    outbox: OutboxSender;
  }
}

const DEFAULT_POLL_INTERVAL_MS = 2000;

/** A paid batch's message carries the place's statement of the month, drawn at delivery (never in the transaction). */
const statementAttachment =
  (db: Parameters<typeof statementFor>[0]): AttachmentBuilder =>
  async (row) => {
    if (row.template !== 'batch_paid') return undefined;
    const { placeId, periodCode } = row.data as { placeId: string; periodCode: string };
    const { data } = statementFor(db, placeId, periodCode);
    return [{ filename: `releve-${data.reference}.pdf`, content: await renderStatementPdf(data), contentType: 'application/pdf' }];
  };

/**
 * Notifications: the outbox sender, started once the app is ready (messages a crash left behind go
 * first) and stopped with it, and the operator's "Courriels envoyés" as API and pages. Wrapped with
 * fastify-plugin so `app.outbox` is visible to every module.
 */
export const notificationsModule = fp(
  async (app) => {
    const sender = new OutboxSender({
      db: app.db,
      clock: app.clock,
      config: app.config,
      attachments: statementAttachment(app.db),
      onError: (message, row) => app.log.warn({ messageId: row.id, template: row.template, attempt: row.attempts + 1, error: message }, 'courriel non remis'),
    });
    app.decorate('outbox', sender);
    app.addHook('onReady', async () => sender.start(app.config.mailPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS));
    app.addHook('onClose', async () => sender.stop());
    await app.register(notificationsApi, { prefix: '/api/v1' });
    await app.register(notificationsPages);
  },
  { name: 'notifications' },
);
