import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/problem.ts';
import { sha256Hex } from '../../shared/secrets.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { recordSecurityEvent } from '../security/security-events.repository.ts';
import { findInvitationByTokenHash, findUserByEmail, type UserRow } from './accounts.repository.ts';
import { describeInvitation, revokeAllCredentials } from './accounts.service.ts';
import type { ProConnectIdentity } from './proconnect.client.ts';
import { setProConnectIdentifiers } from './credentials.repository.ts';
import { markInvitationUsed } from './invitations.repository.ts';
import { invitationAlreadyUsed } from './accounts.errors.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

/** A refusal shown in French on the login page; nothing was written but the security event. */
export class ProConnectDenied extends DomainError {
  constructor(code: string, message: string) {
    super(403, code, message);
  }
}

/** An account is in use once its invitation was accepted, with a password or with ProConnect. */
export function isActivated(user: Pick<UserRow, 'passwordHash' | 'proconnectSub'>): boolean {
  return user.passwordHash !== null || user.proconnectSub !== null;
}

function refuse(deps: Deps & { ip: string }, reason: string, user: UserRow | undefined, identity: ProConnectIdentity, error: ProConnectDenied): never {
  deps.db.transaction((tx) =>
    recordSecurityEvent(tx, deps.clock, {
      kind: 'proconnect.refused',
      userId: user?.id,
      organisationId: user?.organisationId,
      ip: deps.ip,
      data: { reason, sub: identity.sub, ...(user ? {} : { email: identity.email }) },
    }),
  );
  throw error;
}

function assertVerifiedEmail(deps: Deps & { ip: string }, identity: ProConnectIdentity): void {
  // ProConnect only sends verified addresses; a provider that says "not verified" is not believed.
  if (identity.email === '' || identity.emailVerified === false) {
    refuse(deps, 'email_not_verified', undefined, identity, new ProConnectDenied('proconnect_email_unverified', 'ProConnect n’a pas transmis d’adresse e-mail vérifiée : la connexion n’est pas possible.'));
  }
}

/**
 * The existing, active account whose e-mail ProConnect verified. Signing in never creates an
 * account: an unknown address, a disabled account or an invitation not yet accepted are refused.
 */
export function matchProConnectUser(deps: Deps & { identity: ProConnectIdentity; ip: string }): UserRow {
  const { db, identity } = deps;
  assertVerifiedEmail(deps, identity);
  const user = findUserByEmail(db, identity.email);
  if (!user) {
    refuse(deps, 'unknown_email', undefined, identity, new ProConnectDenied(
      'proconnect_unknown_account',
      `Aucun compte Pass numérique n’est ouvert pour l’adresse ${identity.email}. Demandez une invitation à l’administrateur de votre organisation.`,
    ));
  }
  if (user.disabled) {
    refuse(deps, 'disabled', user, identity, new ProConnectDenied('proconnect_account_disabled', 'Ce compte est désactivé : adressez-vous à l’administrateur de votre organisation.'));
  }
  if (!isActivated(user)) {
    refuse(deps, 'invitation_pending', user, identity, new ProConnectDenied(
      'proconnect_invitation_pending',
      'Ce compte n’est pas encore activé : ouvrez le lien d’invitation reçu par courriel (vous pourrez l’accepter avec ProConnect).',
    ));
  }
  db.transaction((tx) => setProConnectIdentifiers(tx, user.id, identity));
  return { ...user, proconnectSub: identity.sub, proconnectSiret: identity.siret };
}

/**
 * An invitation accepted with ProConnect instead of a password: the provider's verified e-mail
 * must be the invited one. The invitation is used up and the account is in use, without password.
 */
export function acceptInvitationWithProConnect(deps: Deps & { token: string; identity: ProConnectIdentity; ip: string }): UserRow {
  const { db, clock, token, identity } = deps;
  assertVerifiedEmail(deps, identity);
  const invited = describeInvitation({ db, clock, token });
  if (invited.email.toLowerCase() !== identity.email) {
    refuse(deps, 'invitation_email_mismatch', undefined, identity, new ProConnectDenied(
      'proconnect_invitation_email_mismatch',
      `Cette invitation est adressée à ${invited.email}, mais ProConnect vous a identifié comme ${identity.email} : connectez-vous à ProConnect avec l’adresse invitée.`,
    ));
  }
  return db.transaction(
    (tx) => {
      const found = findInvitationByTokenHash(tx, sha256Hex(token))!;
      if (found.user.disabled) {
        throw new ProConnectDenied('proconnect_account_disabled', 'Ce compte est désactivé : adressez-vous à l’administrateur de votre organisation.');
      }
      // Conditional update: of two concurrent acceptances, only one changes the row.
      if (!markInvitationUsed(tx, found.invitation.id, clock.now().toISOString())) throw invitationAlreadyUsed();
      revokeAllCredentials({ tx, clock, userId: found.user.id });
      setProConnectIdentifiers(tx, found.user.id, identity);
      const who = { userId: found.user.id, organisationId: found.user.organisationId };
      recordAudit(tx, clock, who, 'user.invitation_accepted_proconnect', { type: 'user', id: found.user.id });
      return { ...found.user, proconnectSub: identity.sub, proconnectSiret: identity.siret };
    },
    { behavior: 'immediate' },
  );
}
