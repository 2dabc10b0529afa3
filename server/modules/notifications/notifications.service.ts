import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { isMessageTemplate } from './messages.ts';
import { findMessage, listMessages, requeueFailed, type OutboxRow } from './outbox.repository.ts';
import { renderMessage } from './render.ts';
import { wakeAfterCommit } from './outbox-wake.ts';
import { messageNotFailed, messageNotFound, onlyOperatorAdminsReadMail } from './notifications.errors.ts';

/** Every message is visible to the operator's admins only: they hold invitation and reset links. */
export function assertOperatorAdmin(actor: Actor): void {
  if (!isOperator(actor) || actor.role !== 'admin') throw onlyOperatorAdminsReadMail();
}

export function outboxItemToView(row: OutboxRow) {
  return {
    id: row.id,
    template: row.template,
    to: row.toAddress,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
  };
}

export function listOutbox(args: {
  db: Db;
  actor: Actor;
  limit: number;
  after?: { createdAt: string; id: string };
  status?: OutboxRow['status'];
  to?: string;
}) {
  assertOperatorAdmin(args.actor);
  return listMessages(args.db, args).map(outboxItemToView);
}

/** One message as its recipient reads it, rendered with the same renderer as the sender. */
export function showOutboxMessage({ db, actor, messageId, publicUrl }: { db: Db; actor: Actor; messageId: string; publicUrl: string }) {
  assertOperatorAdmin(actor);
  const row = findMessage(db, messageId);
  if (!row) throw messageNotFound();
  const rendered = isMessageTemplate(row.template) ? renderMessage(row.template, row.data as Record<string, string>, publicUrl) : null;
  return { ...outboxItemToView(row), rendered };
}

export function resendOutboxMessage({ db, clock, actor, messageId }: { db: Db; clock: Clock; actor: Actor; messageId: string }) {
  assertOperatorAdmin(actor);
  return db.transaction((tx) => {
    const row = findMessage(tx, messageId);
    if (!row) throw messageNotFound();
    if (!requeueFailed(tx, messageId, clock.now().toISOString())) {
      throw messageNotFailed();
    }
    recordAudit(tx, clock, actor, 'outbox.resent', { type: 'outbox_message', id: messageId }, { to: row.toAddress, template: row.template });
    // Back in the queue: the running sender takes it as soon as this commits, not at the next minute.
    wakeAfterCommit(tx);
    return outboxItemToView(findMessage(tx, messageId)!);
  });
}
