import type { FastifyPluginAsync } from 'fastify';
import { distributionApi } from './distribution.api.ts';
import { distributionPages } from './distribution.pages.ts';
import { handoutsApi } from './handouts.api.ts';

/** Distribution: designated prescribers, allotments and returns, hand-outs to beneficiaries. */
export const distributionModule: FastifyPluginAsync = async (app) => {
  await app.register(distributionApi, { prefix: '/api/v1' });
  await app.register(handoutsApi, { prefix: '/api/v1' });
  await app.register(distributionPages);
};
