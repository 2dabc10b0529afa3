import type { FastifyPluginAsync } from 'fastify';
import { selfServiceApi } from './self-service.api.ts';
import { selfServicePages } from './self-service.pages.ts';
import { PasswordResetThrottle } from './self-service.service.ts';
import { invitationsApi, prescribersApi } from './prescribers.api.ts';
import { prescribersPages } from './prescribers.pages.ts';

/** One's own account without an admin: forgotten password, password and e-mail changes, notice preferences. */
export const selfServiceModule: FastifyPluginAsync = async (app) => {
  const resetThrottle = new PasswordResetThrottle(app.clock);
  await app.register(selfServiceApi, { prefix: '/api/v1', resetThrottle });
  await app.register(selfServicePages, { resetThrottle });
  // Buyers' own prescriber network (accounts created on their behalf, invited by mail).
  await app.register(prescribersApi, { prefix: '/api/v1' });
  await app.register(prescribersPages);
  await app.register(invitationsApi, { prefix: '/api/v1' });
};
