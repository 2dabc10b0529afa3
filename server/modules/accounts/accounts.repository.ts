import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { cachedPerConnection, type DbOrTx } from '../../../db/client.ts';
import { invitations, organisations, users, type OrganisationKind } from '../../../db/schema/accounts.ts';
import { type ListWindow, type SortDirection } from '../../shared/list-query.ts';
import { countMatching, orderByFor, readWindow, searchCondition, searchOrAlso } from '../../shared/list-sql.repository.ts';
import { canSeeOrganisation, type Actor } from '../identity/actor.ts';

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
/** For authentication steps after the password (second factor): the account itself, unscoped. */
export function findUserById(db: DbOrTx, userId: string): UserRow | undefined {
  return db.select().from(users).where(eq(users.id, userId)).get();
}

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

/** What authentication needs to know about the caller: the fields of an Actor. */
export type ActorFields = Omit<Actor, 'via' | 'sessionId'>;

/**
 * Every authenticated request resolves its session or token: prepared once per connection,
 * not built and parsed on each request.
 */
const authStatements = cachedPerConnection((client) => {
  const actorColumns = `u.id AS userId, u.email, u.name, u.role,
         o.id AS organisationId, o.kind AS organisationKind, o.name AS organisationName`;
  return {
    session: client.prepare<[string, string], ActorFields & { expiresAt: string }>(
      `SELECT ${actorColumns}, s.expires_at AS expiresAt, s.second_factor_at AS secondFactorAt, s.auth_method AS authMethod,
              EXISTS (SELECT 1 FROM user_totp m WHERE m.user_id = u.id AND m.confirmed_at IS NOT NULL) AS mfaEnabled
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id
        WHERE s.id = ? AND s.expires_at > ? AND u.disabled = 0`,
    ),
    apiToken: client.prepare<[string, string], ActorFields & { tokenId: string; lastUsedAt: string | null; expiresAt: string | null }>(
      `SELECT ${actorColumns}, t.id AS tokenId, t.last_used_at AS lastUsedAt, t.expires_at AS expiresAt
         FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = u.organisation_id
        WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0 AND (t.expires_at IS NULL OR t.expires_at > ?)`,
    ),
    touchApiToken: client.prepare<[string, string, string]>(
      'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
    ),
  };
});

export function findActiveSession(db: DbOrTx, sessionId: string, nowIso: string): (ActorFields & { expiresAt: string }) | undefined {
  return authStatements(db).session.get(sessionId, nowIso);
}

export function findActiveApiToken(
  db: DbOrTx,
  tokenHash: string,
  nowIso: string,
): (ActorFields & { tokenId: string; lastUsedAt: string | null; expiresAt: string | null }) | undefined {
  return authStatements(db).apiToken.get(tokenHash, nowIso);
}

/** Sets the token's last use to `nowIso` unless it was already set after `staleBefore`. */
export function touchApiToken(db: DbOrTx, tokenId: string, nowIso: string, staleBefore: string): void {
  authStatements(db).touchApiToken.run(nowIso, tokenId, staleBefore);
}

export function findInvitationByTokenHash(db: DbOrTx, tokenHash: string) {
  return db
    .select({ invitation: invitations, user: users })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .where(eq(invitations.tokenHash, tokenHash))
    .get();
}

export const ORGANISATION_SORTS = { date: organisations.createdAt, nom: organisations.name, type: organisations.kind } as const;
export type OrganisationSort = keyof typeof ORGANISATION_SORTS;

export interface OrganisationCriteria {
  q: string;
  /** Communes whose name matches the search, found by the caller in the territories' reference. */
  communeCodes: string[];
  kind?: OrganisationKind;
}

function organisationWhere(actor: Actor, criteria: OrganisationCriteria) {
  const byText = searchCondition(criteria.q, [organisations.name, organisations.siret, organisations.communeCode]);
  const byCommune = criteria.communeCodes.length > 0 ? inArray(organisations.communeCode, criteria.communeCodes) : undefined;
  return and(
    actor.organisationKind === 'operator' ? undefined : eq(organisations.id, actor.organisationId),
    criteria.kind ? eq(organisations.kind, criteria.kind) : undefined,
    searchOrAlso(byText, byCommune),
  );
}

const matchingOrganisations = (db: DbOrTx, actor: Actor, criteria: OrganisationCriteria) => db.select().from(organisations).where(organisationWhere(actor, criteria)).$dynamic();

export function countOrganisationSearch(db: DbOrTx, actor: Actor, criteria: OrganisationCriteria): number {
  return countMatching(db, matchingOrganisations(db, actor, criteria));
}

export function searchOrganisations(db: DbOrTx, actor: Actor, criteria: OrganisationCriteria, sort: { key: OrganisationSort; dir: SortDirection }, window: ListWindow): OrganisationRow[] {
  return readWindow(matchingOrganisations(db, actor, criteria), orderByFor(ORGANISATION_SORTS, sort, organisations.id), window);
}
