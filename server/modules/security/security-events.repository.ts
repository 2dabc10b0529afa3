/** The security log: appended in the caller's transaction, read newest first. */
import { and, asc, desc, eq, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { users } from '../../../db/schema/accounts.ts';
import { securityEvents } from '../../../db/schema/security.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, inParisMonth, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
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

export interface SecurityEventCriteria {
  q: string;
  kind?: string;
  /** Paris month "2026-11". */
  month?: string;
}

/** The whole platform's log is the operator admin's to read: search by the account's name or e-mail, or the IP address. */
function securityEventWhere(criteria: SecurityEventCriteria) {
  return and(
    criteria.kind ? eq(securityEvents.kind, criteria.kind) : undefined,
    criteria.month ? inParisMonth(securityEvents.at, criteria.month) : undefined,
    searchCondition(criteria.q, [users.email, users.name, securityEvents.ip]),
  );
}

/** Events with the account's name and e-mail beside them (never an identifier alone on screen). */
const matchingSecurityEvents = (db: DbOrTx, criteria: SecurityEventCriteria) =>
  db
    .select({ event: securityEvents, userName: users.name, userEmail: users.email })
    .from(securityEvents)
    .leftJoin(users, eq(users.id, securityEvents.userId))
    .where(securityEventWhere(criteria))
    .$dynamic();

export function countSecurityEventSearch(db: DbOrTx, criteria: SecurityEventCriteria): number {
  return countMatching(db, matchingSecurityEvents(db, criteria));
}

export function searchSecurityEvents(db: DbOrTx, criteria: SecurityEventCriteria, sort: { key: 'date'; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingSecurityEvents(db, criteria), sort.dir === 'asc' ? asc(securityEvents.id) : desc(securityEvents.id), window);
}
