import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { errorResponses } from '../../shared/schemas.ts';
import { orderParams, usageView, type UsageView } from './oversight.schemas.ts';
import { usageCsv } from './usage.csv.ts';
import { buyerUsage, orderUsage } from './usage.service.ts';

const MASKING = 'Toute case de moins de 5 vaut null avec `masked: true`, ainsi que les cases masquées en complément pour qu’aucune ne se déduise des totaux (opérateur : chiffres exacts).';

export function sendUsageCsv(reply: FastifyReply, filename: string, usage: UsageView): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(usageCsv(usage));
}

export const usageApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = () => ({ db: app.db, clock: app.clock, gracePeriodDays: app.config.gracePeriodDays });
  const tags = ['Suivi'];

  r.get(
    '/orders/:orderId/usage',
    {
      config: allow('buyer:*', 'operator:*', 'state:*'),
      schema: {
        summary: 'Utilisation des pass d’une commande : où, quand, pour quoi, pour qui, par prescripteur',
        description: MASKING,
        tags,
        params: orderParams,
        response: { 200: usageView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => orderUsage({ ...deps(), actor: requireActor(request), orderId: request.params.orderId }),
  );

  r.get(
    '/orders/:orderId/usage.csv',
    { config: allow('buyer:*', 'operator:*'), schema: { summary: 'Utilisation des pass d’une commande, en CSV', tags, params: orderParams, produces: ['text/csv'], response: { 200: z.string(), ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const usage = orderUsage({ ...deps(), actor: requireActor(request), orderId: request.params.orderId });
      return sendUsageCsv(reply, `utilisation-${usage.reference}.csv`, usage);
    },
  );

  r.get(
    '/usage',
    {
      config: allow('buyer:*'),
      schema: { summary: 'Utilisation des pass de toutes les commandes du commanditaire', description: MASKING, tags, response: { 200: usageView, ...errorResponses(401, 403) } },
    },
    async (request) => buyerUsage({ ...deps(), actor: requireActor(request) }),
  );

  r.get('/usage.csv', { config: allow('buyer:*'), schema: { summary: 'Utilisation des pass de toutes les commandes, en CSV', tags, produces: ['text/csv'], response: { 200: z.string(), ...errorResponses(401, 403) } } }, async (request, reply) =>
    sendUsageCsv(reply, 'utilisation-des-pass.csv', buyerUsage({ ...deps(), actor: requireActor(request) })),
  );
};
