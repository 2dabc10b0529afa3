import type { FastifyPluginAsync } from 'fastify';
import { accountsApi } from './accounts.api.ts';
import { accountsPages } from './accounts.pages.ts';
import { LoginThrottle } from '../security/login-throttle.ts';
import { proconnectPages } from './proconnect.pages.ts';
import { secondFactorPages } from './second-factor.pages.ts';
import { selfServiceModule } from './self-service.module.ts';

/** Accounts: sessions and sign-in, organisations, users, API tokens, and one's own account (self-service). */
export const accountsModule: FastifyPluginAsync = async (app) => {
  // One throttle for the API and the login form: the same person tries both.
  const loginThrottle = new LoginThrottle(app.clock);
  await app.register(accountsApi, { prefix: '/api/v1', loginThrottle });
  await app.register(accountsPages, { loginThrottle });
  // Sign-in with ProConnect, the State's identity provider, when it is configured.
  await app.register(proconnectPages);
  await app.register(secondFactorPages);
  await app.register(selfServiceModule);
};
