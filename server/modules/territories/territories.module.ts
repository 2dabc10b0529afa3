import type { FastifyPluginAsync } from 'fastify';
import { territoriesApi } from './territories.api.ts';

/** The administrative map (communes, EPCI, départements, régions) as reference data. */
export const territoriesModule: FastifyPluginAsync = async (app) => {
  await app.register(territoriesApi, { prefix: '/api/v1' });
};
