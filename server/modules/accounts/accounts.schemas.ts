import { z } from 'zod';
import { BUYER_TYPES, ORGANISATION_KINDS, USER_ROLES } from '../../../db/schema/accounts.ts';
import { boundedText, email } from '../../shared/schemas.ts';
import { newPassword } from './password-policy.ts';

export const organisationKind = z.enum(ORGANISATION_KINDS);
export const buyerType = z.enum(BUYER_TYPES);
export const userRole = z.enum(USER_ROLES);

const siret = z
  .string()
  .transform((v) => v.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{14}$/, 'SIRET attendu : 14 chiffres'));
const communeCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([013-9]\d|2[AB1-9])\d{3}$/, 'code INSEE de commune attendu (5 caractères)');

export const loginBody = z.object({
  email,
  password: z.string().min(1, 'mot de passe obligatoire').max(256),
});

export const apiLoginBody = loginBody.extend({
  secondFactorCode: z.string().trim().max(40).optional().describe('Code TOTP à 6 chiffres (ou code de secours) quand la double authentification est activée'),
});

export const organisationView = z.object({
  id: z.string(),
  kind: organisationKind,
  name: z.string(),
  siret: z.string().nullable(),
  buyerType: buyerType.nullable(),
  communeCode: z.string().nullable(),
  address: z.string().nullable(),
  status: z.string(),
  createdAt: z.string(),
});

export const userView = z.object({
  id: z.string(),
  organisationId: z.string(),
  email: z.string(),
  name: z.string(),
  role: userRole,
  disabled: z.boolean(),
  /** False until the invitation is accepted. */
  active: z.boolean(),
  createdAt: z.string(),
});

export const meView = z.object({ user: userView, organisation: organisationView });

export const sessionView = z.object({ user: userView, organisation: organisationView, csrfToken: z.string() });

export const createOrganisationBody = z
  .object({
    kind: organisationKind,
    name: boundedText(200),
    siret: siret.optional(),
    buyerType: buyerType.optional(),
    communeCode: communeCode.optional(),
    address: boundedText(300).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'buyer' && !v.buyerType) {
      ctx.addIssue({ code: 'custom', path: ['buyerType'], message: 'le type de commanditaire est obligatoire pour un commanditaire' });
    }
    if (v.kind !== 'buyer' && v.buyerType) {
      ctx.addIssue({ code: 'custom', path: ['buyerType'], message: 'réservé aux commanditaires' });
    }
  });

export const inviteUserBody = z.object({
  email,
  name: boundedText(120),
  role: userRole,
});

export const invitationView = z.object({
  id: z.string().describe('Identifiant de l’utilisateur'),
  invitationToken: z.string().describe('À transmettre à la personne invitée ; affiché une seule fois'),
  invitationUrl: z.string(),
  expiresAt: z.string(),
});

const newPasswordField = newPassword.describe(
  '12 caractères au moins (256 au plus), pas un seul caractère répété, pas une suite, pas un mot de passe courant',
);

export const acceptInvitationBody = z.object({ password: newPasswordField });

export const changePasswordBody = z.object({
  currentPassword: z.string().min(1, 'mot de passe actuel obligatoire').max(256),
  newPassword: newPasswordField,
});

export const createTokenBody = z.object({
  name: boundedText(100),
  expiresInDays: z.number().int().min(1, '1 jour au moins').max(3660, '10 ans au plus').optional().describe('Sans valeur : valable jusqu’à révocation'),
});
export const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('Dernière utilisation, à la minute près'),
  expiresAt: z.string().nullable(),
});
export const createdTokenView = tokenView.extend({ token: z.string().describe('Affiché une seule fois : conservez-le') });

export const KIND_LABELS: Record<z.infer<typeof organisationKind>, string> = {
  operator: 'Opérateur',
  buyer: 'Commanditaire',
  prescriber: 'Prescripteur',
  // Not « labellisé »: an applicant or imported place under review is a place too; its status says whether it is labelled.
  place: 'Lieu d’accueil',
  state: 'Service de l’État (cofinanceur)',
};
export const ROLE_LABELS: Record<z.infer<typeof userRole>, string> = {
  admin: 'Administrateur',
  agent: 'Agent',
  finance: 'Finances',
};
export const BUYER_TYPE_LABELS: Record<z.infer<typeof buyerType>, string> = {
  commune: 'Commune',
  epci: 'EPCI (intercommunalité)',
  departement: 'Département',
  region: 'Région',
  state_service: 'Service de l’État',
  other_public: 'Autre organisme public',
  private: 'Organisme privé',
};
