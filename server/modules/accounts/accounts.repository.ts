import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { apiTokens, invitations, organisations, sessions, users } from '../../../db/schema/accounts.ts';
import { canSeeOrganisation, type Actor } from './actor.ts';

export type OrganisationRow = typeof organisations.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/** Organisation by id, or undefined when it does not exist or the actor may not see it (callers answer 404). */
export function findOrganisation(db: DbOrTx, actor: Actor, organisationId: string): OrganisationRow | undefined {
  if (!canSeeOrganisation(actor, organisationId)) return undefined;
  return db.select().from(organisations).where(eq(organisations.id, organisationId)).get();
}

/** Keyset pagination on (createdAt, id): stable under inserts, no OFFSET scans. */
export function listOrganisations(db: DbOrTx, actor: Actor, page: { limit: number; after?: { createdAt: string; id: string } }): OrganisationRow[] {
  const scope = actor.organisationKind === 'operator' ? undefined : eq(organisations.id, actor.organisationId);
  const after = page.after
    ? sql`(${organisations.createdAt}, ${organisations.id}) > (${page.after.createdAt}, ${page.after.id})`
    : undefined;
  return db
    .select()
    .from(organisations)
    .where(and(scope, after))
    .orderBy(asc(organisations.createdAt), asc(organisations.id))
    .limit(page.limit + 1)
    .all();
}

export function findUserByEmail(db: DbOrTx, email: string): UserRow | undefined {
  return db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
    .get();
}

/** A user of an organisation the actor may see; undefined otherwise. */
export function findUserInOrganisation(db: DbOrTx, actor: Actor, organisationId: string, userId: string): UserRow | undefined {
  if (!canSeeOrganisation(actor, organisationId)) return undefined;
  return db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), eq(users.organisationId, organisationId)))
    .get();
}

export function listUsersOfOrganisation(db: DbOrTx, organisationId: string): UserRow[] {
  return db.select().from(users).where(eq(users.organisationId, organisationId)).orderBy(asc(users.name), asc(users.id)).all();
}

export interface ActorRow {
  user: UserRow;
  organisation: OrganisationRow;
}

export function findActiveSession(db: DbOrTx, sessionId: string, nowIso: string): ActorRow | undefined {
  return db
    .select({ user: users, organisation: organisations })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, nowIso), eq(users.disabled, false)))
    .get();
}

export function findActiveApiToken(db: DbOrTx, tokenHash: string): (ActorRow & { tokenId: string }) | undefined {
  return db
    .select({ user: users, organisation: organisations, tokenId: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), eq(users.disabled, false)))
    .get();
}

export function findInvitationByTokenHash(db: DbOrTx, tokenHash: string) {
  return db
    .select({ invitation: invitations, user: users })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .where(eq(invitations.tokenHash, tokenHash))
    .get();
}
