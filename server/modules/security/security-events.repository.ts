/** The security log: appended in the caller's transaction, read newest first. */
import { desc, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { securityEvents } from '../../../db/schema/security.ts';
import type { Clock } from '../../shared/clock.ts';
import type { SecurityEventInput } from './security-events.ts';

/** Appends one event, in the caller's transaction when there is one (the event and the change land together). */
export function recordSecurityEvent(db: DbOrTx, clock: Clock, event: SecurityEventInput): void {
  db.insert(securityEvents)
    .values({
      at: clock.now().toISOString(),
      kind: event.kind,
      userId: event.userId ?? null,
      organisationId: event.organisationId ?? null,
      actorUserId: event.actorUserId ?? null,
      ip: event.ip ?? null,
      data: event.data ?? null,
    })
    .run();
}

/** Newest first, `limit` at a time; `beforeId` continues a page. */
export function listSecurityEvents(db: DbOrTx, { limit, beforeId }: { limit: number; beforeId?: number }) {
  return db
    .select()
    .from(securityEvents)
    .where(beforeId === undefined ? undefined : lt(securityEvents.id, beforeId))
    .orderBy(desc(securityEvents.id))
    .limit(limit)
    .all();
}
