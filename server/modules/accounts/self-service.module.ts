import type { FastifyPluginAsync } from 'fastify';
import { selfServiceApi } from './self-service.api.ts';
import { selfServicePages } from './self-service.pages.ts';
import { PasswordResetThrottle } from './self-service.service.ts';

/** One's own account without an admin: forgotten password, password and e-mail changes, notice preferences. */
export const selfServiceModule: FastifyPluginAsync = async (app) => {
  const resetThrottle = new PasswordResetThrottle(app.clock);
  await app.register(selfServiceApi, { prefix: '/api/v1', resetThrottle });
  await app.register(selfServicePages, { resetThrottle });
};
