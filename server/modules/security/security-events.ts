import { and, asc, count, desc, eq, lt } from 'drizzle-orm';
import { users } from '../../../db/schema/accounts.ts';
import { inParisMonth, searchCondition, type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import type { DbOrTx } from '../../../db/client.ts';
import { securityEvents } from '../../../db/schema/security.ts';
import type { Clock } from '../../shared/clock.ts';

/** What the operator admin reads in the security log, in French. */
export const SECURITY_EVENT_LABELS = {
  'login.succeeded': 'Connexion réussie',
  'login.failed': 'Échec de connexion',
  'login.backoff_notice': 'Échecs répétés : titulaire du compte prévenu',
  'mfa.enrolled': 'Double authentification activée',
  'mfa.disabled': 'Double authentification désactivée',
  'mfa.succeeded': 'Code de double authentification accepté',
  'mfa.failed': 'Code de double authentification refusé',
  'mfa.recovery_code_used': 'Code de secours utilisé',
  'mfa.step_up': 'Second facteur redemandé pour une action sensible',
  'proconnect.succeeded': 'Connexion par ProConnect',
  'proconnect.refused': 'Connexion par ProConnect refusée',
  'password.changed': 'Mot de passe changé (sessions et jetons révoqués)',
  'api_token.created': 'Jeton d’API créé',
  'api_token.revoked': 'Jeton d’API révoqué',
  'user.invited_existing_address': 'Invitation d’une adresse déjà utilisée',
  'user.role_changed': 'Rôle modifié',
  'place.bank_details_changed': 'Coordonnées bancaires d’un lieu modifiées',
} as const;
export type SecurityEventKind = keyof typeof SECURITY_EVENT_LABELS;

export interface SecurityEventInput {
  kind: SecurityEventKind;
  /** The account the event is about. */
  userId?: string | null;
  organisationId?: string | null;
  /** Who acted, when not the account's owner (an admin). */
  actorUserId?: string | null;
  ip?: string | null;
  data?: Record<string, unknown>;
}

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

export function countSecurityEventSearch(db: DbOrTx, criteria: SecurityEventCriteria): number {
  return db.select({ n: count() }).from(securityEvents).leftJoin(users, eq(users.id, securityEvents.userId)).where(securityEventWhere(criteria)).get()?.n ?? 0;
}

/** Events with the account's name and e-mail beside them (never an identifier alone on screen). */
export function searchSecurityEvents(db: DbOrTx, criteria: SecurityEventCriteria, sort: { key: 'date'; dir: SortDirection }, window: ListWindow) {
  return db
    .select({ event: securityEvents, userName: users.name, userEmail: users.email })
    .from(securityEvents)
    .leftJoin(users, eq(users.id, securityEvents.userId))
    .where(securityEventWhere(criteria))
    .orderBy(sort.dir === 'asc' ? asc(securityEvents.id) : desc(securityEvents.id))
    .limit(window.limit)
    .offset(window.offset)
    .all();
}
