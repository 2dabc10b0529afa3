import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { statementContentTypeUnsupported } from './bank-statements.errors.ts';
import { boundedText, errorResponses, id, listOf } from '../../shared/schemas.ts';
import * as entries from './bank-entries.service.ts';
import type { BankEntryRow } from './bank-statements.repository.ts';
import * as service from './bank-statements.service.ts';

const financeOnly = allow('operator:finance', 'operator:admin');
const STATEMENT_MAX_BYTES = 20 * 1024 * 1024;

const summaryView = z.object({ id: z.string(), entries: z.number().int(), matched: z.number().int(), unmatched: z.number().int(), duplicates: z.number().int() });
const entryView = z.object({
  id: z.string(),
  bookingDate: z.string(),
  direction: z.enum(['credit', 'debit']),
  amountCents: z.number().int(),
  endToEndId: z.string().nullable(),
  remittance: z.string().nullable(),
  counterparty: z.string().nullable(),
  returnReason: z.string().nullable(),
  status: z.enum(['matched', 'unmatched', 'dismissed']),
  matchedKind: z.string().nullable(),
  matchedId: z.string().nullable(),
  dismissedReason: z.string().nullable(),
});
const statementView = z.object({
  id: z.string(),
  format: z.string(),
  account: z.string(),
  fromDate: z.string(),
  toDate: z.string(),
  openingCents: z.number().int(),
  closingCents: z.number().int(),
  entryCount: z.number().int(),
  newEntryCount: z.number().int(),
  matched: z.number().int(),
  unmatched: z.number().int(),
  dismissed: z.number().int(),
  importedAt: z.string(),
});
const suggestionView = z.object({ kind: z.enum(['invoice', 'payout']), id: z.string(), number: z.string(), label: z.string(), score: z.number().int(), reasons: z.array(z.string()) });
const toEntryView = (e: BankEntryRow) => ({
  id: e.id,
  bookingDate: e.bookingDate,
  direction: e.direction,
  amountCents: e.amountCents,
  endToEndId: e.endToEndId,
  remittance: e.remittance,
  counterparty: e.counterparty,
  returnReason: e.returnReason,
  status: e.status,
  matchedKind: e.matchedKind,
  matchedId: e.matchedId,
  dismissedReason: e.dismissedReason,
});

export const bankStatementsApi: FastifyPluginAsync = async (app) => {
  // Statements come as they leave the bank: camt.053 XML or CFONB 120 text, read whole as a string.
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string', bodyLimit: STATEMENT_MAX_BYTES }, (_request, body, done) => done(null, body));
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = () => ({ db: app.db, clock: app.clock });

  r.post(
    '/bank-statements',
    {
      config: financeOnly,
      bodyLimit: STATEMENT_MAX_BYTES,
      schema: {
        summary: 'Importer un relevé du compte de l’opérateur (camt.053.001.02/.08 en application/xml, CFONB 120 en text/plain)',
        description:
          'Chaque mouvement nouveau est rapproché : crédit → paiement de la facture citée (FAC-…), débit → virements RB-… ou lot exécutés, retour → virement rejeté ; le reste attend dans la file de rapprochement. Le même fichier une seconde fois répond 200 sans rien enregistrer ; un relevé qui ne s’équilibre pas est refusé (422 `statement_unbalanced`).',
        tags: ['Finances'],
        consumes: ['application/xml', 'text/plain'],
        body: z.string().min(1).max(STATEMENT_MAX_BYTES),
        response: { 201: summaryView, 200: summaryView, ...errorResponses(400, 401, 403, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/xml' && type !== 'text/xml' && type !== 'text/plain') throw statementContentTypeUnsupported();
      const { created, ...summary } = service.importStatement({ ...deps(), actor: requireActor(request), config: app.config, content: request.body, contentType: type === 'text/plain' ? 'text' : 'xml' });
      return reply.code(created ? 201 : 200).send(summary);
    },
  );

  r.get(
    '/bank-statements',
    {
      config: financeOnly,
      schema: {
        summary: 'Relevés importés',
        tags: ['Finances'],
        response: {
          200: listOf(statementView),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ items: service.listStatementsWithCounts(app.db), nextCursor: null }),
  );

  r.get(
    '/bank-statements/:statementId',
    {
      config: financeOnly,
      schema: {
        summary: 'Un relevé importé, avec ses mouvements et ce que chacun est devenu (facture payée, virement exécuté ou revenu, lot, écarté, à traiter)',
        tags: ['Finances'],
        params: z.object({ statementId: id }),
        response: {
          200: statementView.extend({ entries: z.array(entryView.extend({ matchedLabel: z.string(), matchedNumber: z.string().nullable() })) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { statement, entries: rows, matches } = service.statementDetail(app.db, request.params.statementId);
      return { ...statement, entries: rows.map((e) => ({ ...toEntryView(e), matchedLabel: matches.get(e.id)!.label, matchedNumber: matches.get(e.id)!.number })) };
    },
  );

  r.get(
    '/bank-entries/unmatched',
    {
      config: financeOnly,
      schema: {
        summary: 'File de rapprochement : mouvements à rapprocher, avec des suggestions',
        tags: ['Finances'],
        response: { 200: listOf(entryView.extend({ suggestions: z.array(suggestionView) })), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: entries.reconciliationQueue(app.db).map(({ entry, suggestions }) => ({ ...toEntryView(entry), suggestions })), nextCursor: null }),
  );

  r.post(
    '/bank-entries/:entryId/match',
    {
      config: financeOnly,
      schema: {
        summary: 'Rapprocher à la main un mouvement d’une facture (crédit) ou d’un virement (débit ou retour)',
        tags: ['Finances'],
        params: z.object({ entryId: id }),
        body: z.union([z.object({ invoiceId: id }), z.object({ payoutId: id })]),
        response: { 200: entryView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => toEntryView(entries.matchEntryByHand({ ...deps(), actor: requireActor(request), entryId: request.params.entryId, target: request.body })),
  );

  r.post(
    '/bank-entries/:entryId/dismiss',
    {
      config: financeOnly,
      schema: {
        summary: 'Écarter un mouvement sans rapport avec le service (frais bancaires…), avec le motif',
        tags: ['Finances'],
        params: z.object({ entryId: id }),
        body: z.object({ reason: boundedText(300) }),
        response: { 200: entryView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => toEntryView(entries.dismissEntry({ ...deps(), actor: requireActor(request), entryId: request.params.entryId, reason: request.body.reason })),
  );
};
