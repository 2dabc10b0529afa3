import type { FastifyPluginAsync } from 'fastify';
import { placesApi } from './places.api.ts';
import { placesPages } from './places.pages.ts';

/** Places: application, review, bank details, sites and open-data import, as JSON API and pages. */
export const placesModule: FastifyPluginAsync = async (app) => {
  await app.register(placesApi, { prefix: '/api/v1' });
  await app.register(placesPages);
};
