import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { errorResponses } from '../../shared/schemas.ts';
import { publicAccess } from '../../plugins/auth.ts';
import { euroCell, toCsv } from '../../shared/csv.ts';
import { publicStatistics, type PublicStatistics } from './public-stats.service.ts';
import { MASKED_CELL_LABEL } from '../../shared/small-cells.ts';

export function publicStatisticsCsv(stats: PublicStatistics): string {
  const shown = (n: number | null) => (n === null ? MASKED_CELL_LABEL : n);
  const places = new Map(stats.labelledPlaces.map((p) => [p.departement, p.count]));
  return toCsv(
    ['departement', 'nom_departement', 'mois', 'pass_achetes', 'pass_distribues', 'pass_utilises', 'valeur_pass_utilises', 'montant_rembourse', 'lieux_labellises'],
    stats.rows.map((r) => [
      r.departement,
      r.departementName,
      r.month,
      r.bought,
      shown(r.distributed),
      shown(r.used),
      r.usedCents === null ? MASKED_CELL_LABEL : euroCell(r.usedCents),
      euroCell(r.reimbursedCents),
      places.get(r.departement) ?? 0,
    ]),
  );
}

/** Open data: anonymous, cacheable for an hour, same figures as the /statistiques page. */
export const publicStatsApi: FastifyPluginAsync = async (app) => {
  const tags = ['Données ouvertes'];
  app.get(
    '/public/statistics.json',
    { config: publicAccess, schema: { summary: 'Statistiques publiques par département et par mois (données ouvertes)', description: 'Mois terminés seulement ; effectifs de personnes de moins de 5 masqués (null, `masked: true`). Note de méthode incluse.', tags, response: { 200: z.looseObject({}), ...errorResponses(429) } } },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').send(publicStatistics({ db: app.db, clock: app.clock })),
  );
  app.get('/public/statistics.csv', { config: publicAccess, schema: { summary: 'Statistiques publiques, en CSV', tags, produces: ['text/csv'], response: { 200: z.string(), ...errorResponses(429) } } }, async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=3600')
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="pass-numerique-statistiques.csv"')
      .send(publicStatisticsCsv(publicStatistics({ db: app.db, clock: app.clock }))),
  );
};
