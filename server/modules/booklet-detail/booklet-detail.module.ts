import type { FastifyPluginAsync } from 'fastify';
import { bookletDetailApi } from './booklet-detail.api.ts';
import { bookletDetailPages } from './booklet-detail.pages.ts';

/**
 * One booklet's page and its search by serial. It reads booklets, their custody (distribution) and
 * their redemptions, which is why it is a module of its own: the areas it reads never import it.
 */
export const bookletDetailModule: FastifyPluginAsync = async (app) => {
  await app.register(bookletDetailApi, { prefix: '/api/v1' });
  await app.register(bookletDetailPages);
};
