import { and, asc, eq, like } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { auditLog } from '../../../db/schema/accounts.ts';
import type { Clock } from '../../shared/clock.ts';

/** Who did it: any actor (identity/actor.ts) has these; the audit log needs nothing else of accounts. */
export interface AuditActor {
  userId: string | null;
  organisationId: string;
}

/** Appends one row to the audit log, inside the caller's transaction so the record and the change land together. */
export function recordAudit(
  db: DbOrTx,
  clock: Clock,
  actor: AuditActor | null,
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

/** The audit rows about one subject whose action starts with `actionPrefix`, oldest first: a record's history. */
export function auditTrail(db: DbOrTx, subject: { type: string; id: string }, actionPrefix: string) {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.subjectType, subject.type), eq(auditLog.subjectId, subject.id), like(auditLog.action, `${actionPrefix}%`)))
    .orderBy(asc(auditLog.id))
    .all();
}
