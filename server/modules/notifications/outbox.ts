import type { DbOrTx } from '../../../db/client.ts';
import type { UserRole } from '../../../db/schema/accounts.ts';
import type { Clock } from '../../shared/clock.ts';
import { newOrderedId } from '../../shared/secrets.ts';
import { MESSAGES, type MessageData, type MessageTemplate } from './messages.ts';
import { insertMessage, organisationRecipients } from './outbox.repository.ts';
import { subjectOf } from './render.ts';
import { wakeAfterCommit } from './outbox-wake.ts';

/**
 * What other modules call, inside the transaction of the event that causes a message: the row is
 * committed with the event or not at all, and the sender delivers it after commit. Nothing here
 * does I/O beyond the insert.
 */
export interface Recipient {
  email: string;
  userId?: string | null;
  organisationId?: string | null;
}

export function enqueueMessage(args: { tx: DbOrTx; clock: Clock; template: MessageTemplate; to: Recipient | Recipient[]; data: MessageData }): string[] {
  const { tx, clock, template, data } = args;
  const now = clock.now();
  const subject = subjectOf(template, data);
  const recipients = Array.isArray(args.to) ? args.to : [args.to];
  if (recipients.length > 0) wakeAfterCommit(tx);
  return recipients.map((recipient) => {
    const id = newOrderedId(now.getTime());
    insertMessage(tx, {
      id,
      template,
      toAddress: recipient.email,
      toUserId: recipient.userId ?? null,
      organisationId: recipient.organisationId ?? null,
      subject,
      data,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      createdAt: now.toISOString(),
    });
    return id;
  });
}

/** One message to each user of the organisation with one of the roles (never a list of strangers). */
export function enqueueToOrganisation(args: {
  tx: DbOrTx;
  clock: Clock;
  template: MessageTemplate;
  organisationId: string;
  roles?: readonly UserRole[];
  data: MessageData;
}): string[] {
  const { tx, clock, template, organisationId, roles = ['admin', 'agent', 'finance'], data } = args;
  const people = organisationRecipients(tx, organisationId, roles, MESSAGES[template].essential);
  return enqueueMessage({ tx, clock, template, data, to: people.map((p) => ({ email: p.email, userId: p.id, organisationId })) });
}
