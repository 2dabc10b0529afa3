import type { OrganisationKind, UserRole } from '../../../db/schema/accounts.ts';

/** Who is calling: every service receives one and scopes its queries with it. */
export interface Actor {
  userId: string;
  email: string;
  name: string;
  role: UserRole;
  organisationId: string;
  organisationKind: OrganisationKind;
  organisationName: string;
  /** How the caller authenticated: sessions need CSRF tokens on state changes, bearer tokens do not. */
  via: 'session' | 'token';
  sessionId?: string;
  /** Sessions only: when a second factor (TOTP, recovery code, ProConnect) was last given in it. */
  secondFactorAt?: string | null;
  /** Sessions only: 'password' or 'proconnect'. */
  authMethod?: string;
  /** Sessions only: the user has a confirmed second factor (TOTP). */
  mfaEnabled?: boolean;
}

export type RolePattern = `${OrganisationKind | '*'}:${UserRole | '*'}` | '*';

export function actorMatches(actor: Actor, pattern: RolePattern): boolean {
  if (pattern === '*') return true;
  const [kind, role] = pattern.split(':') as [string, string];
  return (kind === '*' || kind === actor.organisationKind) && (role === '*' || role === actor.role);
}

export const isOperator = (actor: Actor): boolean => actor.organisationKind === 'operator';

/** Operator users see every organisation's objects; everyone else sees only their own organisation's. */
export function canSeeOrganisation(actor: Actor, organisationId: string): boolean {
  return isOperator(actor) || actor.organisationId === organisationId;
}
