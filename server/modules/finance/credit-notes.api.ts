import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { renderInvoicePdf } from '../../../templates/pdf/invoice.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { euroCell } from '../../shared/csv.ts';
import { sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { notFound } from '../../shared/problem.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { findOrderFor } from '../orders/orders.service.ts';
import { creditNoteDocument } from './invoice-print.ts';
import { expireOrder } from './expiry.service.ts';
import { orderNotFound } from '../orders/orders.errors.ts';
import { findCreditNoteFor, listCreditNotes } from './credit-notes.repository.ts';

const creditNoteView = z.object({
  id: z.string(),
  number: z.string(),
  orderId: z.string(),
  orderReference: z.string(),
  buyerId: z.string(),
  passCount: z.number().int(),
  totalCents: z.number().int(),
  buyerShareCents: z.number().int(),
  stateShareCents: z.number().int(),
  issuedOn: z.string(),
});

function toCreditNoteView({ note, orderReference }: ReturnType<typeof listCreditNotes>[number]): z.infer<typeof creditNoteView> {
  return {
    id: note.id,
    number: note.number,
    orderId: note.orderId,
    orderReference,
    buyerId: note.buyerId,
    passCount: note.passCount,
    totalCents: note.totalCents,
    buyerShareCents: note.buyerShareCents,
    stateShareCents: note.stateShareCents,
    issuedOn: note.issuedOn,
  };
}

export const creditNotesApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/orders/:orderId/expire',
    {
      config: { ...allow('operator:admin', 'operator:finance'), idempotent: true },
      schema: {
        summary: 'Fin de validité : expirer les pass non utilisés et émettre l’avoir',
        description: 'Possible après la fin de validité et le délai de grâce. Sans effet si tout est déjà expiré (idempotent).',
        tags: ['Finances'],
        params: z.object({ orderId: id }),
        response: {
          200: z.object({ expiredPassCount: z.number().int(), creditNote: creditNoteView.omit({ orderReference: true }).nullable() }),
          ...errorResponses(401, 403, 404, 422),
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const order = findOrderFor(app.db, actor, request.params.orderId);
      if (!order) throw orderNotFound();
      const result = expireOrder({ db: app.db, clock: app.clock, actor, orderId: order.id, gracePeriodDays: app.config.gracePeriodDays });
      const note = result.creditNote;
      return {
        expiredPassCount: result.expiredPassCount,
        // The same view as the list, without the order's reference (the caller named the order).
        creditNote: note ? (({ orderReference: _reference, ...view }) => view)(toCreditNoteView({ note, orderReference: '' })) : null,
      };
    },
  );

  r.get(
    '/credit-notes',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Avoirs (tous pour l’opérateur, les siens pour un commanditaire)',
        description: 'Accepte `Accept: text/csv`.',
        tags: ['Finances'],
        querystring: z.object({ orderId: id.optional() }),
        response: { 200: listOf(creditNoteView), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const items = listCreditNotes(app.db, requireActor(request), { orderId: request.query.orderId }).map(toCreditNoteView);
      if (wantsCsv(request)) {
        return sendCsv(reply, 'avoirs.csv', items, [
          { header: 'Numéro', value: (n) => n.number },
          { header: 'Commande', value: (n) => n.orderReference },
          { header: 'Émis le', value: (n) => n.issuedOn },
          { header: 'Pass expirés', value: (n) => n.passCount },
          { header: 'Montant (€)', value: (n) => euroCell(n.totalCents) },
          { header: 'Part commanditaire (€)', value: (n) => euroCell(n.buyerShareCents) },
          { header: 'Part État (€)', value: (n) => euroCell(n.stateShareCents) },
        ]);
      }
      return { items, nextCursor: null };
    },
  );

  r.get(
    '/credit-notes/:creditNoteId.pdf',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Un avoir en PDF',
        tags: ['Finances'],
        params: z.object({ creditNoteId: id }),
        produces: ['application/pdf'],
        response: { 200: z.any().describe('Document PDF'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const found = findCreditNoteFor(app.db, actor, request.params.creditNoteId);
      if (!found) throw notFound('credit_note_not_found', 'Avoir introuvable.');
      reply.type('application/pdf').header('content-disposition', `inline; filename="${found.note.number}.pdf"`);
      return reply.send(await renderInvoicePdf(creditNoteDocument(app.db, found)));
    },
  );
};
