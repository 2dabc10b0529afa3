import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../../db/client.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { dashboardTemplateFor } from '../../plugins/navigation.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { distributionDashboardData } from './distribution.dashboard.ts';
import { financeDashboardData } from './finance.dashboard.ts';
import { placeDashboardData } from './place.dashboard.ts';
import { proofsDashboardData } from '../booklets/proof-reminders.ts';
import { countOrganisations } from './dashboards.repository.ts';

const hide = { hide: true };

/** How many organisations the actor's dashboard counts: all of them for the operator, its own otherwise. */
function organisationCount(db: Db, actor: Actor): number {
  return isOperator(actor) ? countOrganisations(db) : 1;
}

/**
 * The landing page of every signed-in user. It reads from several areas (distribution, finance,
 * redemption), which is why it is a module of its own: the areas it reads never import it back.
 */
export const dashboardsModule: FastifyPluginAsync = async (app) => {
  app.get('/tableau-de-bord', { schema: hide, config: allow('*') }, async (request, reply) => {
    const actor = requireActor(request);
    return reply.renderPage(dashboardTemplateFor(actor), {
      title: 'Tableau de bord',
      counts: { organisations: organisationCount(app.db, actor) },
      ...distributionDashboardData({ db: app.db, clock: app.clock, actor }),
      ...financeDashboardData({ db: app.db, clock: app.clock, actor, gracePeriodDays: app.config.gracePeriodDays }),
      ...placeDashboardData({ db: app.db, clock: app.clock, actor }),
      ...proofsDashboardData({ db: app.db, clock: app.clock, actor }),
    });
  });
};
