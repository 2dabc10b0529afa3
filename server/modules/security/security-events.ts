
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
