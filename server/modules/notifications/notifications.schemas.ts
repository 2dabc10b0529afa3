import { z } from 'zod';
import { OUTBOX_STATUSES } from '../../../db/schema/notifications.ts';
import { listQuery } from '../../shared/schemas.ts';

export const outboxStatus = z.enum(OUTBOX_STATUSES);

export const outboxItemView = z.object({
  id: z.string(),
  template: z.string().describe('Type de message (invitation, password_reset, order_approved…)'),
  to: z.string(),
  subject: z.string(),
  status: outboxStatus.describe('pending : à envoyer (ou nouvel essai prévu) ; sent : accepté par le serveur ; failed : abandonné après les essais'),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

export const outboxQuery = listQuery.extend({
  status: outboxStatus.optional(),
  to: z.string().trim().toLowerCase().max(254).optional(),
});

export const STATUS_LABELS: Record<z.infer<typeof outboxStatus>, string> = {
  pending: 'À envoyer',
  sent: 'Envoyé',
  failed: 'Échec',
};
