import type { DbOrTx } from '../../../db/client.ts';
import { auditLog } from '../../../db/schema/accounts.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Actor } from '../accounts/actor.ts';

/** Appends one row to the audit log, inside the caller's transaction so the record and the change land together. */
export function recordAudit(
  db: DbOrTx,
  clock: Clock,
  actor: Pick<Actor, 'userId' | 'organisationId'> | null,
  action: string,
  subject: { type: string; id?: string | null },
  data?: Record<string, unknown>,
): void {
  db.insert(auditLog)
    .values({
      actorUserId: actor?.userId ?? null,
      actorOrganisationId: actor?.organisationId ?? null,
      action,
      subjectType: subject.type,
      subjectId: subject.id ?? null,
      data: data ?? null,
      at: clock.now().toISOString(),
    })
    .run();
}
