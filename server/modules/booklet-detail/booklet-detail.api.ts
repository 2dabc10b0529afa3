import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { errorResponses } from '../../shared/schemas.ts';
import { bookletSerial } from '../booklets/booklets.schemas.ts';
import { bookletRecordView } from './booklet-detail.schemas.ts';
import { bookletRecord } from './booklet-detail.service.ts';

export const bookletDetailApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/booklets/:serial',
    {
      config: allow('buyer:*', 'operator:*', 'prescriber:*'),
      schema: {
        summary: 'Un carnet : statut, commande, territoire, validité, historique et pass',
        description:
          'Pour son commanditaire, le prescripteur qui le détient et l’opérateur ; tout autre appelant reçoit 404 `booklet_not_found`. ' +
          'Le numéro est lu quelle que soit la casse. L’historique nomme les organisations et les personnes qui ont agi ; d’un bénéficiaire, seuls le public et la commune, et pas pour le commanditaire. ' +
          'Chaque pass a son code complet (`code`) et masqué (`maskedCode`) ; les pages web ne montrent que le second.',
        tags: ['Carnets et pass'],
        params: z.object({ serial: bookletSerial }),
        response: { 200: bookletRecordView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return bookletRecord({ db: app.db, actor: requireActor(request), serial: request.params.serial, gracePeriodDays: app.config.gracePeriodDays });
    },
  );
};
