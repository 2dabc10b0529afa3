import type { FastifyPluginAsync } from 'fastify';
import { publicApi } from './public.api.ts';
import { publicPages } from './public.pages.ts';

/** What anyone can see without an account: the home page, the directory of labelled places, booklet pages, open data. */
export const publicModule: FastifyPluginAsync = async (app) => {
  await app.register(publicApi, { prefix: '/api/v1' });
  await app.register(publicPages);
};
