import type { FastifyPluginAsync } from 'fastify';
import { bookletsApi } from './booklets.api.ts';
import { bookletsPages } from './booklets.pages.ts';

/** Booklets and passes: lists, printing, blocking, the pass check. */
export const bookletsModule: FastifyPluginAsync = async (app) => {
  await app.register(bookletsApi, { prefix: '/api/v1' });
  await app.register(bookletsPages);
};
