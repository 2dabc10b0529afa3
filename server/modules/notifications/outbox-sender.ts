import type { Db } from '../../../db/client.ts';
import type { Config } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { isMessageTemplate } from './messages.ts';
import { createMailTransport, messageIdFor, type MailTransport, type OutgoingMail } from './mail-transport.ts';
import { dueMessages, markFailed, markRetry, markSent, type OutboxRow } from './outbox.repository.ts';
import { renderMessage } from './render.ts';
import { onOutboxWrite } from './outbox-wake.ts';

/**
 * Delivers the outbox after commit. Trade-offs:
 * - at least once: a row is marked sent after the server accepted it; a crash between the two
 *   sends it again at the next start, with the same Message-ID so mail clients can drop the copy.
 *   A crash before the send loses nothing: the row is still pending.
 * - retries with exponential back-off: 2, 4, 8, 16, 32 minutes between attempts (6 attempts over
 *   about an hour), then `failed` with the last SMTP error, for the operator to see and resend.
 * - bounded rate: at most `batchSize` messages per round, one at a time, follow-up rounds a second
 *   apart; a round never runs twice at once. Requests never wait for it: they only insert rows.
 * - runs by itself: start() delivers what a crash left behind, then a round starts as soon as a
 *   transaction that queued a message commits (outbox-wake.ts); the scheduler's every-minute
 *   `outbox` task (notifications.module.ts) delivers the retries that come due, once across processes.
 * `deliverDue(now)` is one round; the wake, the scheduler, an optional poll timer or a test call it.
 */
export const MAX_ATTEMPTS = 6;
const FIRST_RETRY_MS = 2 * 60_000;
const FOLLOW_UP_MS = 1000;

export function retryDelayMs(failedAttempts: number): number {
  return FIRST_RETRY_MS * 2 ** (failedAttempts - 1);
}

/**
 * Extra parts of a message of one template, built at delivery (never in the transaction that
 * queued it): the statement PDF of a paid batch. The area that owns the document attaches it
 * (`app.outbox.attach`), so notifications need not read that area.
 */
export type AttachmentBuilder = (row: OutboxRow) => Promise<OutgoingMail['attachments']>;

export interface DeliveryReport {
  sent: number;
  retried: number;
  failed: number;
}

export class OutboxSender {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'publicUrl' | 'dataDir'>;
  private readonly transport: MailTransport;
  private readonly batchSize: number;
  private readonly onError: (message: string, row: OutboxRow) => void;
  private readonly attachments = new Map<string, AttachmentBuilder>();
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private followUp: NodeJS.Timeout | undefined;
  private wokenDuringRound = false;
  private round: Promise<DeliveryReport> | undefined;

  constructor(options: {
    db: Db;
    clock: Clock;
    config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'publicUrl' | 'dataDir'>;
    transport?: MailTransport;
    batchSize?: number;
    onError?: (message: string, row: OutboxRow) => void;
  }) {
    this.db = options.db;
    this.clock = options.clock;
    this.config = options.config;
    this.transport = options.transport ?? createMailTransport(options.config);
    this.batchSize = options.batchSize ?? 10;
    this.onError = options.onError ?? (() => {});
  }

  /** Messages of `template` carry what `builder` makes of them; one builder per template. */
  attach(template: string, builder: AttachmentBuilder): void {
    if (this.attachments.has(template)) throw new Error(`pièces jointes déjà déclarées pour le modèle ${template}`);
    this.attachments.set(template, builder);
  }

  get description(): string {
    return this.transport.description;
  }

  /**
   * First round at once (messages left undelivered by a crash go now), then a round after every
   * commit that queued a message, and one per `pollMs` when given (the scheduler does the retries).
   */
  start(pollMs?: number): void {
    if (this.unlisten) return;
    this.unlisten = onOutboxWrite(this.db, () => this.wake());
    this.wake();
    if (pollMs && pollMs > 0) {
      this.timer = setInterval(() => void this.deliverDue(), pollMs);
      this.timer.unref();
    }
  }

  /**
   * A round now, as the sender running by itself does it. A wake during a round is not lost (the
   * round may have read the queue before the new row): another round follows. So does one after a
   * full round, when more may be waiting; follow-ups are a second apart, which bounds the rate.
   */
  private wake(): void {
    if (!this.unlisten) return;
    if (this.round) {
      if (this.wokenDuringRound) return;
      this.wokenDuringRound = true;
      void this.round.then(() => {
        this.wokenDuringRound = false;
        this.wake();
      });
      return;
    }
    void this.deliverDue().then((report) => {
      const full = report.sent + report.retried + report.failed >= this.batchSize;
      if (!full || !this.unlisten || this.followUp) return;
      this.followUp = setTimeout(() => {
        this.followUp = undefined;
        this.wake();
      }, FOLLOW_UP_MS);
      this.followUp.unref();
    });
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = undefined;
    if (this.followUp) clearTimeout(this.followUp);
    this.followUp = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
    this.transport.close();
  }

  /** One round over the messages due at `now`; a call during a round waits for that round instead. */
  deliverDue(now: Date = this.clock.now()): Promise<DeliveryReport> {
    if (this.round) return this.round;
    this.round = this.runRound(now).finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async runRound(now: Date): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 };
    for (const row of dueMessages(this.db, now.toISOString(), this.batchSize)) {
      const attempts = row.attempts + 1;
      try {
        await this.transport.send(await this.compose(row));
        markSent(this.db, row.id, attempts, this.clock.now().toISOString());
        report.sent++;
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
        this.onError(message, row);
        if (attempts >= MAX_ATTEMPTS) {
          markFailed(this.db, row.id, attempts, this.clock.now().toISOString(), message);
          report.failed++;
        } else {
          markRetry(this.db, row.id, attempts, new Date(now.getTime() + retryDelayMs(attempts)).toISOString(), message);
          report.retried++;
        }
      }
    }
    return report;
  }

  private async compose(row: OutboxRow): Promise<OutgoingMail> {
    if (!isMessageTemplate(row.template)) throw new Error(`modèle de message inconnu : ${row.template}`);
    const rendered = renderMessage(row.template, row.data as Record<string, string>, this.config.publicUrl);
    return {
      messageId: messageIdFor(row.id, this.config.publicUrl),
      to: row.toAddress,
      subject: row.subject,
      text: rendered.text,
      html: rendered.html,
      attachments: await this.attachments.get(row.template)?.(row),
    };
  }
}
