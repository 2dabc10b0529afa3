import type { FastifyPluginAsync } from 'fastify';
import { programsApi } from './programs.api.ts';
import { programsPages } from './programs.pages.ts';
import { publicCategoriesApi } from './public-categories.api.ts';

/** Co-financing programmes (the State's envelopes) and the reference list of public categories. */
export const programsModule: FastifyPluginAsync = async (app) => {
  await app.register(programsApi, { prefix: '/api/v1' });
  await app.register(publicCategoriesApi, { prefix: '/api/v1' });
  await app.register(programsPages);
};
