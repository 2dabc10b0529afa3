import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { publicAccess } from '../../plugins/auth.ts';
import { publicStatistics } from './public-stats.service.ts';

const query = z.object({ departement: z.string().trim().max(3).optional() });

/** `/statistiques`: anyone reads the figures of their département, month by month. */
export const publicStatsPages: FastifyPluginAsync = async (app) => {
  app.get('/statistiques', { schema: { hide: true }, config: publicAccess }, async (request, reply) => {
    const stats = publicStatistics({ db: app.db, clock: app.clock });
    const parsed = query.safeParse(request.query);
    const chosen = parsed.success ? parsed.data.departement : undefined;
    const departement = stats.labelledPlaces.find((d) => d.departement === chosen) ?? null;
    return reply.renderPage('pages/oversight/statistics.eta', {
      title: 'Statistiques du Pass numérique',
      stats,
      departement,
      rows: departement ? stats.rows.filter((r) => r.departement === departement.departement) : [],
    });
  });
};
