import { z } from 'zod';
import { email } from '../../shared/schemas.ts';
import { acceptInvitationBody } from './accounts.schemas.ts';

/** The new password goes through the same rule as an invitation's, wherever it is chosen. */
const newPassword = acceptInvitationBody.shape.password;

export const passwordResetRequestBody = z.object({ email });
export const passwordResetRequestedView = z.object({ message: z.string() });
export const passwordResetBody = z.object({ password: newPassword });
export const resetTokenParams = z.object({ token: z.string().min(10).max(200) });

export const changePasswordBody = z.object({
  currentPassword: z.string().min(1, 'mot de passe actuel obligatoire').max(256),
  newPassword,
});

export const emailChangeBody = z.object({
  email,
  password: z.string().min(1, 'mot de passe actuel obligatoire').max(256),
});

export const preferencesBody = z.object({ noticesOptOut: z.boolean() });
export const preferencesView = preferencesBody;
