import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EndOfValidityStep } from '../../../db/schema/oversight.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { errorResponses } from '../../shared/schemas.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { endOfValidityView, orderParams } from './oversight.schemas.ts';
import { closingStatementPdf, endOfValidity, takeStep } from './end-of-validity.service.ts';

/** The URL segment of each action; a signature is the buyer's or the operator's by who signs. */
export const STEP_ACTIONS = {
  blocage: () => 'blocking_approved',
  'prise-d-acte': () => 'acknowledged',
  signature: (actor: Actor) => (isOperator(actor) ? 'closing_signed_operator' : 'closing_signed_buyer'),
} as const satisfies Record<string, (actor: Actor) => EndOfValidityStep>;

const actionParams = orderParams.extend({ action: z.enum(Object.keys(STEP_ACTIONS) as [keyof typeof STEP_ACTIONS, ...(keyof typeof STEP_ACTIONS)[]]) });

export const endOfValidityApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = () => ({ db: app.db, clock: app.clock, gracePeriodDays: app.config.gracePeriodDays });
  const tags = ['Fin de validité'];

  r.get(
    '/orders/:orderId/end-of-validity',
    { config: allow('buyer:*', 'operator:*'), schema: { summary: 'Calendrier de fin de validité d’une commande : J-15 blocage, J-7 prise d’acte, relevé de clôture', tags, params: orderParams, response: { 200: endOfValidityView, ...errorResponses(401, 403, 404) } } },
    async (request) => endOfValidity({ ...deps(), actor: requireActor(request), orderId: request.params.orderId }),
  );

  r.post(
    '/orders/:orderId/end-of-validity/:action',
    {
      config: allow('buyer:admin', 'operator:admin', 'operator:finance'),
      schema: {
        summary: 'Franchir une étape : `blocage` (J-15, commanditaire), `prise-d-acte` (J-7, commanditaire), `signature` du relevé de clôture (commanditaire ou opérateur)',
        tags,
        params: actionParams,
        response: { 200: endOfValidityView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return takeStep({ ...deps(), actor, orderId: request.params.orderId, step: STEP_ACTIONS[request.params.action](actor) });
    },
  );

  r.get(
    '/orders/:orderId/closing-statement.pdf',
    { config: allow('buyer:*', 'operator:*'), schema: { summary: 'Relevé de clôture conjoint (PDF), après la fin de validité', tags, params: orderParams, produces: ['application/pdf'], response: { 200: z.any().describe('Document PDF'), ...errorResponses(401, 403, 404, 422) } } },
    async (request, reply) => {
      const { reference, pdf } = await closingStatementPdf({ ...deps(), actor: requireActor(request), orderId: request.params.orderId });
      return reply.type('application/pdf').header('content-disposition', `inline; filename="cloture-${reference}.pdf"`).send(pdf);
    },
  );
};
