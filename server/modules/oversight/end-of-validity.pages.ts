import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { STEP_ACTIONS } from './end-of-validity.api.ts';
import { endOfValidity, takeStep } from './end-of-validity.service.ts';
import { orderParams } from './oversight.schemas.ts';

const hide = { hide: true };
const actionParams = orderParams.extend({ action: z.enum(['blocage', 'prise-d-acte', 'signature']) });
const SUCCESS = { blocage: 'Blocage approuvé : les carnets non remis ne peuvent plus être distribués.', 'prise-d-acte': 'Prise d’acte enregistrée.', signature: 'Relevé de clôture signé.' } as const;

/** The end-of-validity page of an order: the calendar, and each step as a form (no JavaScript needed). */
export const endOfValidityPages: FastifyPluginAsync = async (app) => {
  const deps = () => ({ db: app.db, clock: app.clock, gracePeriodDays: app.config.gracePeriodDays });
  const render = (request: FastifyRequest, reply: FastifyReply, orderId: string, extra: { success?: string; formError?: string } = {}) => {
    const actor = requireActor(request);
    const eov = endOfValidity({ ...deps(), actor, orderId });
    return reply.renderPage('pages/oversight/end-of-validity.eta', { title: `Fin de validité de la commande ${eov.reference}`, eov, isBuyer: actor.organisationKind === 'buyer', ...extra });
  };

  app.get('/commandes/:orderId/fin-de-validite', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) =>
    render(request, reply, orderParams.parse(request.params).orderId),
  );

  app.post('/commandes/:orderId/fin-de-validite/:action', { schema: hide, config: allow('buyer:admin', 'operator:admin', 'operator:finance') }, async (request, reply) => {
    const { orderId, action } = actionParams.parse(request.params);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.confirm !== 'oui') return render(request, reply.code(400), orderId, { formError: 'Cochez la case de confirmation.' });
    try {
      const actor = requireActor(request);
      takeStep({ ...deps(), actor, orderId, step: STEP_ACTIONS[action](actor) });
      return render(request, reply, orderId, { success: SUCCESS[action] });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return render(request, reply.code(error.status), orderId, { formError: error.message });
    }
  });
};
