import type { FastifyPluginAsync } from 'fastify';
import { allow, requireActor } from '../../plugins/auth.ts';
import { programParams } from './oversight.schemas.ts';
import { programReport, statePrograms } from './state.service.ts';

const hide = { hide: true };

/** The State's pages: the programmes it funds and each one's report. */
export const statePages: FastifyPluginAsync = async (app) => {
  app.get('/etat/programmes', { schema: hide, config: allow('state:*') }, async (request, reply) =>
    reply.renderPage('pages/oversight/state-programs.eta', { title: 'Programmes financés', programs: statePrograms(app.db, requireActor(request)) }),
  );

  app.get('/etat/programmes/:id', { schema: hide, config: allow('state:*', 'operator:*') }, async (request, reply) => {
    const report = programReport({ db: app.db, clock: app.clock, actor: requireActor(request), programId: programParams.parse(request.params).id });
    return reply.renderPage('pages/oversight/state-report.eta', { title: `Programme ${report.programName}`, report });
  });
};
