import type { FastifyPluginAsync } from 'fastify';
import { usageApi } from './usage.api.ts';
import { usagePages } from './usage.pages.ts';
import { stateApi } from './state.api.ts';
import { statePages } from './state.pages.ts';
import { publicStatsApi } from './public-stats.api.ts';
import { publicStatsPages } from './public-stats.pages.ts';
import { endOfValidityApi } from './end-of-validity.api.ts';
import { endOfValidityPages } from './end-of-validity.pages.ts';
import { registerValidityNotices } from './validity-notices.ts';

/** Oversight: usage dashboards for buyers, the end-of-validity process, the State's programme reports, public statistics. */
export const oversightModule: FastifyPluginAsync = async (app) => {
  await app.register(usageApi, { prefix: '/api/v1' });
  await app.register(usagePages);
  await app.register(stateApi, { prefix: '/api/v1' });
  await app.register(statePages);
  await app.register(publicStatsApi, { prefix: '/api/v1' });
  await app.register(publicStatsPages);
  await app.register(endOfValidityApi, { prefix: '/api/v1' });
  await app.register(endOfValidityPages);
  // The J-30 alerts and the J-15 stop, every morning.
  registerValidityNotices(app);
};
