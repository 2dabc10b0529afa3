import type { FastifyPluginAsync } from 'fastify';
import { ordersApi } from './orders.api.ts';
import { ordersPages } from './orders.pages.ts';

/** Orders: quote, submission, approval (with its issuance job), cancellation. */
export const ordersModule: FastifyPluginAsync = async (app) => {
  await app.register(ordersApi, { prefix: '/api/v1' });
  await app.register(ordersPages);
};
