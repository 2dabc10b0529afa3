import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { allow, publicAccess, requireActor } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { changePasswordBody, emailChangeBody, passwordResetBody, passwordResetRequestBody, resetTokenParams } from './self-service.schemas.ts';
import * as selfService from './self-service.service.ts';

const hide = { hide: true };
const CHECK_FIELDS = 'Vérifiez les champs signalés.';

/** Pages of one's own account: forgotten password, new password from the link, "Mon compte". */
export const selfServicePages: FastifyPluginAsync<{ resetThrottle: selfService.PasswordResetThrottle }> = async (app, { resetThrottle }) => {
  const deps = { db: app.db, clock: app.clock };
  const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;

  app.get('/mot-de-passe-oublie', { schema: hide, config: publicAccess }, async (_request, reply) =>
    reply.renderPage('pages/accounts/forgotten-password.eta', { title: 'Mot de passe oublié' }),
  );

  app.post('/mot-de-passe-oublie', { schema: hide, config: { ...publicAccess, csrf: false } }, async (request, reply) => {
    const values = { email: typeof body(request).email === 'string' ? body(request).email : '' };
    const parsed = passwordResetRequestBody.safeParse(body(request));
    const render = (code: number, extra: Record<string, unknown>) =>
      reply.code(code).renderPage('pages/accounts/forgotten-password.eta', { title: 'Mot de passe oublié', values, ...extra });
    if (!parsed.success) return render(400, { errors: formErrors(parsed.error), formError: CHECK_FIELDS });
    try {
      const { message } = selfService.requestPasswordReset({ ...deps, throttle: resetThrottle, email: parsed.data.email, ip: request.ip });
      return render(200, { sent: message });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.headers) reply.headers(error.headers);
      return render(error.status, { formError: error.message });
    }
  });

  const renderReset = (reply: FastifyReply, token: string, extra: Record<string, unknown> = {}) =>
    reply.renderPage('pages/accounts/reset-password.eta', { title: 'Choisir un nouveau mot de passe', reset: selfService.describePasswordReset({ ...deps, token }), token, ...extra });

  app.get('/mot-de-passe/:token', { schema: hide, config: publicAccess }, async (request, reply) => renderReset(reply, resetTokenParams.parse(request.params).token));

  app.post('/mot-de-passe/:token', { schema: hide, config: { ...publicAccess, csrf: false } }, async (request, reply) => {
    const { token } = resetTokenParams.parse(request.params);
    const parsed = passwordResetBody.safeParse(body(request));
    const errors: FormErrors = parsed.success ? {} : formErrors(parsed.error);
    if (parsed.success && body(request).confirmation !== parsed.data.password) errors.confirmation = 'les deux mots de passe ne sont pas identiques';
    if (!parsed.success || Object.keys(errors).length > 0) return renderReset(reply.code(400), token, { errors, formError: CHECK_FIELDS });
    await selfService.resetPassword({ ...deps, token, password: parsed.data.password });
    return reply.redirect('/connexion?message=mot-de-passe-enregistre', 303);
  });

  // --- Mon compte --------------------------------------------------------------------------------

  const renderAccount = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) =>
    reply.renderPage('pages/accounts/my-account.eta', { title: 'Mon compte', account: selfService.accountOf(app.db, requireActor(request)), ...extra });

  app.get('/mon-compte', { schema: hide, config: allow('*') }, async (request, reply) => {
    const message = (request.query as Record<string, string | undefined>).message;
    const success = { avis: 'Vos préférences sont enregistrées.', adresse: 'Votre nouvelle adresse e-mail est confirmée.' }[message ?? ''];
    return renderAccount(request, reply, { success });
  });

  app.post('/mon-compte/mot-de-passe', { schema: hide, config: allow('*') }, async (request, reply) => {
    const parsed = changePasswordBody.safeParse(body(request));
    const errors: FormErrors = parsed.success ? {} : formErrors(parsed.error);
    if (parsed.success && body(request).confirmation !== parsed.data.newPassword) errors.confirmation = 'les deux mots de passe ne sont pas identiques';
    if (!parsed.success || Object.keys(errors).length > 0) return renderAccount(request, reply.code(400), { passwordErrors: errors, formError: CHECK_FIELDS });
    try {
      await selfService.changeOwnPassword({ ...deps, actor: requireActor(request), ...parsed.data });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderAccount(request, reply.code(error.status === 401 ? 400 : error.status), { passwordErrors: { currentPassword: error.message }, formError: error.message });
    }
    // Every session closed, this one too: sign in again with the new password.
    return reply.redirect('/connexion?message=mot-de-passe-enregistre', 303);
  });

  app.post('/mon-compte/adresse', { schema: hide, config: allow('*') }, async (request, reply) => {
    const emailValues = { email: typeof body(request).email === 'string' ? body(request).email : '' };
    const parsed = emailChangeBody.safeParse(body(request));
    if (!parsed.success) return renderAccount(request, reply.code(400), { emailValues, emailErrors: formErrors(parsed.error), formError: CHECK_FIELDS });
    try {
      const { message } = await selfService.requestEmailChange({ ...deps, actor: requireActor(request), newEmail: parsed.data.email, password: parsed.data.password });
      return renderAccount(request, reply.code(202), { success: message });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const field = error.code === 'wrong_current_password' ? 'password' : 'email';
      return renderAccount(request, reply.code(error.status === 401 ? 400 : error.status), { emailValues, emailErrors: { [field]: error.message }, formError: error.message });
    }
  });

  app.get('/mon-compte/adresse/:token', { schema: hide, config: publicAccess }, async (request, reply) => {
    const { token } = resetTokenParams.parse(request.params);
    return reply.renderPage('pages/accounts/confirm-email.eta', { title: 'Confirmer votre nouvelle adresse', token });
  });

  app.post('/mon-compte/adresse/:token', { schema: hide, config: { ...publicAccess, csrf: false } }, async (request, reply) => {
    const { token } = resetTokenParams.parse(request.params);
    selfService.confirmEmailChange({ ...deps, token });
    return reply.redirect(request.actor ? '/mon-compte?message=adresse' : '/connexion', 303);
  });

  app.post('/mon-compte/avis', { schema: hide, config: allow('*') }, async (request, reply) => {
    selfService.setNoticePreference({ ...deps, actor: requireActor(request), noticesOptOut: body(request).notices !== 'on' });
    return reply.redirect('/mon-compte?message=avis', 303);
  });
};
