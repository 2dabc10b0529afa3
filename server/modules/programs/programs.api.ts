import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { centsToDecimalComma } from '../../shared/money.ts';
import { decodeCursor, toPage } from '../../shared/pagination.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { createProgramBody, programListQuery, programView, updateProgramBody } from './programs.schemas.ts';
import * as programs from './programs.service.ts';

const programParams = z.object({ id });
const TAGS = ['Programmes de cofinancement'];

export const programsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = { db: app.db, clock: app.clock };

  r.post(
    '/cofinancing-programs',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Créer un programme de cofinancement',
        description: 'Exemple : le programme national de l’État finance 50 % (`rateBasisPoints: 5000`) des commandes des communes, EPCI, départements et régions.',
        tags: TAGS,
        body: createProgramBody,
        response: { 201: programView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const row = programs.createProgram({ ...deps, actor: requireActor(request), input: request.body });
      return reply.code(201).send(programs.programToView(row));
    },
  );

  r.get(
    '/cofinancing-programs',
    {
      schema: {
        summary: 'Programmes de cofinancement, avec les montants engagés et restants',
        description: 'Visible de tout utilisateur connecté : le commanditaire choisit un programme en commandant. Accepte `Accept: text/csv`.',
        tags: TAGS,
        querystring: programListQuery,
        response: { 200: listOf(programView), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      requireActor(request);
      const { limit, cursor, status } = request.query;
      const rows = programs.listProgramsPage({ db: app.db, limit, after: decodeCursor(cursor), status });
      const page = toPage(rows.map(programs.programToView), limit);
      if (wantsCsv(request)) {
        return sendCsv(reply, 'programmes-cofinancement.csv', page.items, [
          { header: 'Identifiant', value: (p) => p.id },
          { header: 'Nom', value: (p) => p.name },
          { header: 'Taux (%)', value: (p) => centsToDecimalComma(p.rateBasisPoints) },
          { header: 'Commanditaires éligibles', value: (p) => p.eligibleBuyerTypes.join(', ') },
          { header: 'Enveloppe (€)', value: (p) => centsToDecimalComma(p.envelopeCents) },
          { header: 'Engagé (€)', value: (p) => centsToDecimalComma(p.committedCents) },
          { header: 'Restant (€)', value: (p) => centsToDecimalComma(p.remainingCents) },
          { header: 'Début', value: (p) => p.startsOn },
          { header: 'Fin', value: (p) => p.endsOn },
          { header: 'Statut', value: (p) => (p.status === 'open' ? 'ouvert' : 'clôturé') },
        ]);
      }
      return page;
    },
  );

  r.get(
    '/cofinancing-programs/:id',
    {
      schema: {
        summary: 'Un programme de cofinancement, avec les montants engagés et restants',
        tags: TAGS,
        params: programParams,
        response: { 200: programView, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      requireActor(request);
      return programs.programToView(programs.getProgram({ db: app.db, id: request.params.id }));
    },
  );

  r.patch(
    '/cofinancing-programs/:id',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Modifier un programme de cofinancement',
        description: 'L’enveloppe ne peut pas descendre sous le montant déjà engagé (422 `envelope_below_committed`). `null` retire le minimum de commande ou le plafond par commanditaire.',
        tags: TAGS,
        params: programParams,
        body: updateProgramBody,
        response: { 200: programView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) =>
      programs.programToView(programs.updateProgram({ ...deps, actor: requireActor(request), id: request.params.id, input: request.body })),
  );

  r.post(
    '/cofinancing-programs/:id/close',
    {
      config: allow('operator:admin'),
      schema: {
        summary: 'Clôturer un programme de cofinancement',
        description: 'Plus aucun montant n’est engagé ; les engagements existants sont conservés. 409 `cofinancing_program_already_closed` s’il l’est déjà.',
        tags: TAGS,
        params: programParams,
        response: { 200: programView, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => programs.programToView(programs.closeProgram({ ...deps, actor: requireActor(request), id: request.params.id })),
  );
};
