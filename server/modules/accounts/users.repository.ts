/** The users list of an organisation page (/mon-organisation, /organisations/:id): search, filters, sort, pages. */
import { and, eq, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { users, type UserRole } from '../../../db/schema/accounts.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, ignoringCase, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
import { canSeeOrganisation, type Actor } from '../identity/actor.ts';
import type { UserRow } from './accounts.repository.ts';

/** Where an account stands: in use (invitation accepted), invited (not yet), or deactivated. */
export const USER_STATUSES = ['active', 'invited', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const USER_SORTS = {
  nom: ignoringCase(users.name),
  email: users.email,
  role: users.role,
  date: users.createdAt,
} as const;
export type UserSort = keyof typeof USER_SORTS;

export interface UserCriteria {
  q: string;
  role?: UserRole;
  status?: UserStatus;
}

/** The same test as `userToView`'s `active`: a password or a ProConnect identity means the invitation was accepted. */
const accepted = or(isNotNull(users.passwordHash), isNotNull(users.proconnectSub));

function userWhere(actor: Actor, organisationId: string, criteria: UserCriteria) {
  return and(
    // Another organisation's users never show: an organisation the actor may not see has none.
    canSeeOrganisation(actor, organisationId) ? eq(users.organisationId, organisationId) : sql`0`,
    searchCondition(criteria.q, [users.name, users.email]),
    criteria.role ? eq(users.role, criteria.role) : undefined,
    criteria.status === 'disabled' ? eq(users.disabled, true) : undefined,
    criteria.status === 'active' ? and(eq(users.disabled, false), accepted) : undefined,
    criteria.status === 'invited' ? and(eq(users.disabled, false), isNull(users.passwordHash), isNull(users.proconnectSub)) : undefined,
  );
}

const matchingUsers = (db: DbOrTx, actor: Actor, organisationId: string, criteria: UserCriteria) => db.select().from(users).where(userWhere(actor, organisationId, criteria)).$dynamic();

export function countUserSearch(db: DbOrTx, actor: Actor, organisationId: string, criteria: UserCriteria): number {
  return countMatching(db, matchingUsers(db, actor, organisationId, criteria));
}

export function searchUsers(db: DbOrTx, actor: Actor, organisationId: string, criteria: UserCriteria, sort: { key: UserSort; dir: SortDirection }, window: ListWindow): UserRow[] {
  return readWindow(matchingUsers(db, actor, organisationId, criteria), orderByFor(USER_SORTS, sort, users.id), window);
}
