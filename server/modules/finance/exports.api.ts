import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow } from '../../plugins/auth.ts';
import { errorResponses } from '../../shared/schemas.ts';
import { exportFec } from './fec-export.ts';
import { reconciliationReport } from './reconciliation.ts';
import { id } from '../../shared/schemas.ts';

export const exportsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/exports/fec',
    {
      config: allow('operator:finance', 'operator:admin'),
      schema: {
        summary: 'Fichier des écritures comptables (FEC) de l’opérateur pour une année',
        description: '18 colonnes, tabulations, ISO-8859-15, montants à virgule, numérotation continue par journal (LPF art. A47 A-1).',
        tags: ['Finances'],
        querystring: z.object({ year: z.coerce.number().int().min(2000).max(2100) }),
        produces: ['text/plain'],
        response: { 200: z.any().describe('Fichier FEC'), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { fileName, content } = exportFec(app.db, request.query.year);
      return reply
        .type('text/plain; charset=iso-8859-15')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(content);
    },
  );

  const checkView = z.object({
    id: z.string(),
    label: z.string(),
    expected: z.number().int(),
    actual: z.number().int(),
    balanced: z.boolean(),
    unit: z.enum(['cents', 'count']),
  });

  r.get(
    '/reports/reconciliation',
    {
      config: allow('operator:finance', 'operator:admin'),
      schema: {
        summary: 'Rapprochement : chaque invariant financier avec sa valeur attendue, sa valeur réelle et son verdict',
        description: 'Filtrer par commande (`orderId`), par mois (`period`, AAAA-MM) ou par programme (`programId`, avec le rapport pour l’État).',
        tags: ['Finances'],
        querystring: z.object({
          orderId: id.optional(),
          period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM').optional(),
          programId: id.optional(),
        }),
        response: {
          200: z.object({
            scope: z.object({ orderId: z.string().optional(), period: z.string().optional(), programId: z.string().optional() }),
            balanced: z.boolean(),
            checks: z.array(checkView),
            trialBalance: z.array(z.object({ code: z.string(), name: z.string(), debitCents: z.number().int(), creditCents: z.number().int(), balanceCents: z.number().int() })),
            program: z
              .object({
                programId: z.string(),
                name: z.string(),
                envelopeCents: z.number().int(),
                committedCents: z.number().int(),
                invoicedCents: z.number().int(),
                paidCents: z.number().int(),
                creditedCents: z.number().int(),
                distributionCount: z.number().int(),
                priorityShareBasisPoints: z.number().int().nullable(),
              })
              .optional(),
            bank: z
              .object({
                lastStatementToDate: z.string(),
                closingCents: z.number().int(),
                accountCents: z.number().int(),
                openingCents: z.number().int(),
                journalMovementsCents: z.number().int(),
                dismissedCents: z.number().int(),
                unmatchedCount: z.number().int(),
                unmatchedCents: z.number().int(),
                agree: z.boolean(),
              })
              .optional(),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => reconciliationReport(app.db, request.query),
  );
};
