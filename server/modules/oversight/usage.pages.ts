import type { FastifyPluginAsync } from 'fastify';
import { allow, requireActor } from '../../plugins/auth.ts';
import { orderParams } from './oversight.schemas.ts';
import { buyerUsage, orderUsage } from './usage.service.ts';

const hide = { hide: true };

/** The buyer's usage dashboards: one order, or all its orders. Same service as the API. */
export const usagePages: FastifyPluginAsync = async (app) => {
  const deps = () => ({ db: app.db, clock: app.clock, gracePeriodDays: app.config.gracePeriodDays });

  app.get('/commandes/:orderId/utilisation', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    const usage = orderUsage({ ...deps(), actor: requireActor(request), orderId });
    return reply.renderPage('pages/oversight/usage.eta', {
      title: `Utilisation des pass de la commande ${usage.reference}`,
      usage,
      csvUrl: `/api/v1/orders/${orderId}/usage.csv`,
    });
  });

  app.get('/utilisation', { schema: hide, config: allow('buyer:*') }, async (request, reply) =>
    reply.renderPage('pages/oversight/usage.eta', {
      title: 'Utilisation des pass de toutes vos commandes',
      usage: buyerUsage({ ...deps(), actor: requireActor(request) }),
      csvUrl: '/api/v1/usage.csv',
    }),
  );
};
